using Resso.Load.Histograms;
using Resso.Load.Scenarios;

namespace Resso.Load.Engine;

/// <summary>What one run measured, in total and per template.</summary>
public sealed class LoadResult
{
    /// <summary>The scenario's name.</summary>
    public required string Scenario { get; init; }

    /// <summary>The options the run used.</summary>
    public required LoadOptions Options { get; init; }

    /// <summary>
    /// The measured window: the duration; with a request count, from the end of the warm-up to the
    /// last measured answer; when interrupted, up to the interruption.
    /// </summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Ctrl+C (the caller's token) ended the run early; the figures cover what was measured.</summary>
    public required bool Interrupted { get; init; }

    /// <summary>Requests that completed during the warm-up (not recorded).</summary>
    public required long WarmupRequests { get; init; }

    /// <summary>Everything measured.</summary>
    public required RequestStats Total { get; init; }

    /// <summary>Per template, in the scenario's order.</summary>
    public required IReadOnlyList<TemplateResult> Templates { get; init; }

    /// <summary>Measured requests per second.</summary>
    public double RequestsPerSecond => PerSecond(Total.Requests);

    /// <summary>The whole run in numbers.</summary>
    public RunSummary Summary => RunSummary.Of(Scenario, Total, Elapsed);

    /// <summary>Each template in numbers (its rate is its share of the run's).</summary>
    public IReadOnlyList<RunSummary> TemplateSummaries => [.. Templates.Select(t => RunSummary.Of(t.Name, t.Stats, Elapsed))];

    private double PerSecond(long count) => Elapsed > TimeSpan.Zero ? count / Elapsed.TotalSeconds : 0;
}

/// <summary>What one template measured.</summary>
public sealed record TemplateResult(string Name, RequestTemplate Template, RequestStats Stats);

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(double MinMs, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    private const double NanosecondsPerMillisecond = 1_000_000;

    /// <summary>All zero: nothing measured.</summary>
    public static LatencySummary Zero { get; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Reads a histogram of nanoseconds.</summary>
    public static LatencySummary Of(LatencyHistogram histogram) => new(
        histogram.Min / NanosecondsPerMillisecond,
        histogram.Mean / NanosecondsPerMillisecond,
        histogram.ValueAtPercentile(50) / NanosecondsPerMillisecond,
        histogram.ValueAtPercentile(90) / NanosecondsPerMillisecond,
        histogram.ValueAtPercentile(99) / NanosecondsPerMillisecond,
        histogram.ValueAtPercentile(99.9) / NanosecondsPerMillisecond,
        histogram.Max / NanosecondsPerMillisecond);

    /// <summary>Each figure's median over <paramref name="summaries"/>.</summary>
    public static LatencySummary Median(IReadOnlyList<LatencySummary> summaries) => new(
        Stats.Median(summaries, s => s.MinMs),
        Stats.Median(summaries, s => s.MeanMs),
        Stats.Median(summaries, s => s.P50Ms),
        Stats.Median(summaries, s => s.P90Ms),
        Stats.Median(summaries, s => s.P99Ms),
        Stats.Median(summaries, s => s.P999Ms),
        Stats.Median(summaries, s => s.MaxMs));
}

/// <summary>A run (or a template of one, or the median of several runs) in numbers.</summary>
/// <param name="Name">The scenario or template.</param>
/// <param name="Requests">Measured requests, answered or not.</param>
/// <param name="RequestsPerSecond">Requests over the measured window.</param>
/// <param name="BytesPerSecond">Response body bytes over the measured window.</param>
/// <param name="Errors">Answers other than 2xx/3xx, and requests with no answer.</param>
/// <param name="ErrorRate">Errors over requests.</param>
/// <param name="Latency">Latency of the answered requests, any status.</param>
/// <param name="StatusCodes">Answers by status (empty for a median).</param>
/// <param name="TransportErrors">Unanswered requests by cause (empty for a median).</param>
public sealed record RunSummary(
    string Name,
    long Requests,
    double RequestsPerSecond,
    double BytesPerSecond,
    long Errors,
    double ErrorRate,
    LatencySummary Latency,
    IReadOnlyDictionary<int, long> StatusCodes,
    IReadOnlyDictionary<string, long> TransportErrors)
{
    /// <summary>Summarizes <paramref name="stats"/> measured over <paramref name="elapsed"/>.</summary>
    public static RunSummary Of(string name, RequestStats stats, TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        return new RunSummary(
            name,
            stats.Requests,
            seconds > 0 ? stats.Requests / seconds : 0,
            seconds > 0 ? stats.Bytes / seconds : 0,
            stats.Errors,
            stats.ErrorRate,
            LatencySummary.Of(stats.Latency),
            stats.StatusCodes,
            stats.TransportErrors);
    }

    /// <summary>Each figure's median over <paramref name="runs"/> (the mean of the middle two for an even count).</summary>
    public static RunSummary Median(string name, IReadOnlyList<RunSummary> runs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        return new RunSummary(
            name,
            (long)Math.Round(Stats.Median(runs, r => r.Requests)),
            Stats.Median(runs, r => r.RequestsPerSecond),
            Stats.Median(runs, r => r.BytesPerSecond),
            (long)Math.Round(Stats.Median(runs, r => r.Errors)),
            Stats.Median(runs, r => r.ErrorRate),
            LatencySummary.Median([.. runs.Select(r => r.Latency)]),
            new Dictionary<int, long>(),
            new Dictionary<string, long>(StringComparer.Ordinal));
    }

    /// <summary>Error statuses and transport errors with their counts, such as <c>404×3, ConnectionError×1</c>; empty when none.</summary>
    public string DescribeErrors() => string.Join(", ", StatusCodes.Where(s => s.Key is < 200 or >= 400).Select(s => FormattableString.Invariant($"{s.Key}×{s.Value:N0}"))
        .Concat(TransportErrors.Select(e => FormattableString.Invariant($"{e.Key}×{e.Value:N0}"))));
}

/// <summary>How far a run has got, reported every <see cref="LoadOptions.ProgressInterval"/>.</summary>
/// <param name="Measuring">False during the warm-up.</param>
/// <param name="Elapsed">Time in the current phase.</param>
/// <param name="Requests">Requests measured so far.</param>
/// <param name="Errors">Errors among them.</param>
public readonly record struct LoadProgress(bool Measuring, TimeSpan Elapsed, long Requests, long Errors);

internal static class Stats
{
    /// <summary>The median; the mean of the two middle values for an even count.</summary>
    public static double Median<T>(IEnumerable<T> items, Func<T, double> value)
    {
        var sorted = items.Select(value).Order().ToArray();
        if (sorted.Length == 0)
        {
            return 0;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
