using System.Globalization;
using Resso.Ml.Data;
using Resso.Ml.Model;

namespace Resso.Ml.Benchmarks;

/// <summary>Factor models for the scoring benchmarks.</summary>
internal static class Models
{
    /// <summary>
    /// A model with random factors in the range trained models have (|v| ≲ 0.3): scoring cost does not depend on the
    /// values, and training a 1,000,000-song model would take longer than the benchmarks.
    /// </summary>
    public static FactorModel Random(int users, int songs, int dimension, int seed = 7)
    {
        var random = new Random(seed);
        var userFactors = new float[users * dimension];
        var itemFactors = new float[(long)songs * dimension];
        Fill(userFactors);
        Fill(itemFactors);
        var userBiases = new float[users];
        var itemBiases = new float[songs];
        Fill(userBiases);
        Fill(itemBiases);
        return new FactorModel(
            new IdMap(Enumerable.Range(0, users).Select(u => "u_" + u.ToString("D7", CultureInfo.InvariantCulture))),
            new IdMap(Enumerable.Range(0, songs).Select(s => "s_" + s.ToString("D7", CultureInfo.InvariantCulture))),
            dimension, userFactors, itemFactors, userBiases, itemBiases);

        void Fill(float[] values)
        {
            for (var k = 0; k < values.Length; k++)
            {
                values[k] = (random.NextSingle() - 0.5f) * 0.6f;
            }
        }
    }
}
