using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Resso.Load.Compare;
using Resso.Load.Engine;

namespace Resso.Load.Reporting;

/// <summary>The results as JSON, for scripts: every run with its templates, and a comparison's medians and ratios.</summary>
public static class JsonReport
{
    /// <summary>The JSON of a single run.</summary>
    public static string Run(LoadResult result, ReportContext context) =>
        Serialize(new JsonReportDocument("run", context.Command, context.StartedAt, context.Machine, SettingsOf(result.Options), [RunOf("run", null, result)], null));

    /// <summary>The JSON of a comparison.</summary>
    public static string Comparison(CompareResult result, LoadOptions options, ReportContext context)
    {
        var runs = result.Rounds.SelectMany(r => new[] { RunOf("baseline", r.Round, r.Baseline), RunOf("target", r.Round, r.Target) }).ToList();
        var comparison = result.Rounds.Count == 0 ? null : new JsonComparison(
            result.Rounds.Count,
            result.Interrupted,
            FiguresOf(result.BaselineMedian, null),
            FiguresOf(result.TargetMedian, null),
            result.RpsRatio,
            result.P99Ratio,
            [.. result.Rounds.Select(r => r.RpsRatio)],
            [.. result.Rounds.Select(r => r.P99Ratio)],
            result.Settle.TotalSeconds);
        return Serialize(new JsonReportDocument("compare", context.Command, context.StartedAt, context.Machine, SettingsOf(options), runs, comparison));
    }

    private static string Serialize(JsonReportDocument document) => JsonSerializer.Serialize(document, JsonReportContext.Default.JsonReportDocument);

    private static JsonSettings SettingsOf(LoadOptions o) => new(
        o.BaseAddress.GetLeftPart(UriPartial.Authority), o.Connections, o.Warmup.TotalSeconds, o.Duration.TotalSeconds, o.Requests,
        o.RequestTimeout.TotalSeconds, o.Seed);

    private static JsonRun RunOf(string role, int? round, LoadResult result) => new(
        role,
        round,
        result.Scenario,
        result.Elapsed.TotalSeconds,
        result.Interrupted,
        result.WarmupRequests,
        FiguresOf(result.Summary, null) with { Bytes = result.Total.Bytes },
        [.. result.Templates.Zip(result.TemplateSummaries).Select(p => FiguresOf(p.Second, p.First) with { Bytes = p.First.Stats.Bytes })]);

    private static JsonFigures FiguresOf(RunSummary s, TemplateResult? template) => new(
        s.Name,
        template?.Template.Method,
        template?.Template.Path,
        template?.Template.Weight,
        s.Requests,
        s.RequestsPerSecond,
        s.BytesPerSecond,
        null,
        s.Errors,
        s.ErrorRate,
        s.Latency,
        s.StatusCodes.ToDictionary(c => c.Key.ToString(CultureInfo.InvariantCulture), c => c.Value, StringComparer.Ordinal),
        s.TransportErrors);
}

internal sealed record JsonReportDocument(
    string Mode, string Command, DateTimeOffset StartedAt, MachineInfo Machine, JsonSettings Settings, IReadOnlyList<JsonRun> Runs, JsonComparison? Comparison);

internal sealed record JsonSettings(
    string Url, int Connections, double WarmupSeconds, double DurationSeconds, long? Requests, double RequestTimeoutSeconds, int Seed);

internal sealed record JsonRun(
    string Role, int? Round, string Scenario, double ElapsedSeconds, bool Interrupted, long WarmupRequests, JsonFigures Total, IReadOnlyList<JsonFigures> Templates);

internal sealed record JsonFigures(
    string Name,
    string? Method,
    string? Path,
    double? Weight,
    long Requests,
    double RequestsPerSecond,
    double BytesPerSecond,
    long? Bytes,
    long Errors,
    double ErrorRate,
    LatencySummary LatencyMs,
    IReadOnlyDictionary<string, long> StatusCodes,
    IReadOnlyDictionary<string, long> TransportErrors);

internal sealed record JsonComparison(
    int Rounds,
    bool Interrupted,
    JsonFigures BaselineMedian,
    JsonFigures TargetMedian,
    double RpsRatio,
    double P99Ratio,
    IReadOnlyList<double> RoundRpsRatios,
    IReadOnlyList<double> RoundP99Ratios,
    double SettleSeconds);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JsonReportDocument))]
internal sealed partial class JsonReportContext : JsonSerializerContext;
