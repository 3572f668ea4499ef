using System.Globalization;
using Resso.Ml.Evaluation;
using Resso.Ml.Store;

namespace Resso.Ml.Pipeline;

/// <summary>
/// Decides whether a candidate replaces the current model, from both models' rankings of the same held-out users.
/// </summary>
/// <remarks>
/// The per-user differences in NDCG@10 (candidate − current) are resampled (<see cref="PairedBootstrap"/>, 2,000
/// resamples, seeded) for a 95 % interval of their mean. The candidate is <b>refused</b> only when it is significantly
/// worse — the interval lies wholly below zero — <b>and</b> its mean is lower by more than
/// <see cref="RecommenderOptions.PublishTolerance"/>; otherwise it is published. So a difference within the noise of
/// the slice never blocks a retrain (a candidate trained on the same data as the current model, or on a little more,
/// is published), nor does a loss that is real but smaller than the tolerance; a tolerance of 0 refuses every
/// significantly worse candidate.
/// </remarks>
public static class PublishGuard
{
    /// <summary>The interval's confidence level.</summary>
    public const double Confidence = 0.95;

    /// <summary>Bootstrap resamples of the per-user differences.</summary>
    public const int Resamples = 2_000;

    /// <summary>Judges <paramref name="candidate"/> against <paramref name="current"/>.</summary>
    /// <param name="candidate">The candidate's ranking of the held-out users.</param>
    /// <param name="current">The current model's ranking of the same users; null when no model is published.</param>
    /// <param name="currentVersion">The current model's version, recorded in the decision.</param>
    /// <param name="options">Supplies <see cref="RecommenderOptions.PublishTolerance"/> and the seed of the resampling.</param>
    /// <returns>The decision, its reason stating the paired difference, its interval and the rule applied.</returns>
    public static PublishDecision Decide(RankingEvaluationResult candidate, RankingEvaluationResult? current, string? currentVersion, RecommenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(options);
        var tolerance = options.PublishTolerance;
        if (current is null)
        {
            return new PublishDecision(true, candidate.Ndcg, currentVersion, null, tolerance, "no model is published yet");
        }

        var paired = PairedBootstrap.CompareNdcg(candidate, current, Resamples, Confidence, options.Seed);
        var difference = new NdcgDifference(paired.Mean, paired.Lower, paired.Upper, paired.Pairs, paired.Confidence);
        if (paired.Pairs == 0)
        {
            return new PublishDecision(true, candidate.Ndcg, currentVersion, current.Ndcg, tolerance,
                "no held-out user was ranked by both models, so nothing speaks against the candidate", difference);
        }

        var figures = string.Create(CultureInfo.InvariantCulture,
            $"NDCG@10 candidate − current {Signed(paired.Mean)} [{Signed(paired.Lower)}, {Signed(paired.Upper)}] over {paired.Pairs} held-out users ({Confidence:P0} paired bootstrap interval)");
        var worseByMoreThanTolerance = -paired.Mean > tolerance;
        var (published, verdict) = (paired.SignificantlyBelow, worseByMoreThanTolerance) switch
        {
            (false, _) => (true, "not significantly worse (the interval reaches zero or above)"),
            (true, false) => (true, string.Create(CultureInfo.InvariantCulture, $"significantly worse, but by no more than the tolerance {tolerance}")),
            (true, true) => (false, string.Create(CultureInfo.InvariantCulture, $"significantly worse (the interval lies below zero) and by more than the tolerance {tolerance}")),
        };
        return new PublishDecision(published, candidate.Ndcg, currentVersion, current.Ndcg, tolerance, $"{figures}: {verdict}", difference);
    }

    /// <summary>Four decimals with a sign; what rounds to zero reads 0.0000 (not -0.0000).</summary>
    private static string Signed(double value) => value.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture);
}
