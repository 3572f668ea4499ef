using Resso.Ml.Ranking;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// Synthetic training rows for the LightGBM ranker: for benchmarks that need a ranker of the product's size without training
/// a pipeline. Also compiled into bench/Resso.Benchmarks (serving-model).
/// </summary>
internal static class SyntheticRanker
{
    /// <summary>Candidates whose label depends on several features with noise, so that the trees keep splitting.</summary>
    public static List<RankerRow> CandidateRows(Random random, int groups, int perGroup)
    {
        ArgumentNullException.ThrowIfNull(random);
        var rows = new List<RankerRow>(groups * perGroup);
        for (var g = 0; g < groups; g++)
        {
            for (var r = 0; r < perGroup; r++)
            {
                var features = new float[CandidateFeatures.Count];
                for (var f = 0; f < features.Length; f++)
                {
                    features[f] = random.NextSingle() * 2 - 1;
                }

                foreach (var rank in new[] { CandidateFeatures.FfmRank, CandidateFeatures.AlsRank, CandidateFeatures.EaseRank })
                {
                    features[rank] = 1 + random.Next(51);
                }

                var signal = features[CandidateFeatures.FfmScore] + (0.5f * features[CandidateFeatures.AlsScore]) + (0.5f * features[CandidateFeatures.EaseScore])
                    + (features[CandidateFeatures.FfmRank] <= 5 ? 0.5f : 0f) + (0.3f * features[CandidateFeatures.Popularity]) + (random.NextSingle() - 0.5f);
                rows.Add(new RankerRow { Group = (uint)g, Label = signal > 1.2f ? 2 : signal > 0.5f ? 1 : 0, Features = features });
            }
        }

        return rows;
    }
}
