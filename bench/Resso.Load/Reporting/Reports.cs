using System.Globalization;
using System.Text;
using Resso.Load.Compare;
using Resso.Load.Engine;
using Resso.Load.Scenarios;
using static System.FormattableString;

namespace Resso.Load.Reporting;

/// <summary>Where and how a report's numbers were made.</summary>
/// <param name="Command">The command line that reproduces the run (secrets redacted).</param>
/// <param name="Machine">The machine.</param>
/// <param name="StartedAt">When the run started.</param>
public sealed record ReportContext(string Command, MachineInfo Machine, DateTimeOffset StartedAt);

/// <summary>The human-readable reports: a plain table for a run, markdown for a comparison (ready for docs/benchmarks.md).</summary>
public static class Reports
{
    private static readonly string[] FigureHeaders = ["requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "MB/s"];

    /// <summary>A run as a plain-text table, with per-template rows when there are several templates.</summary>
    public static string Run(LoadResult result, ReportContext context)
    {
        var options = result.Options;
        var text = new StringBuilder();
        text.Append(Invariant($"Resso.Load: {result.Scenario} on {options.BaseAddress.GetLeftPart(UriPartial.Authority)}\n"));
        text.Append(Settings(result)).Append('\n');
        text.Append(context.Machine.Describe()).Append('\n');
        if (result.Interrupted)
        {
            text.Append(Invariant($"INTERRUPTED: the figures cover the {Format.Duration(result.Elapsed)} measured before Ctrl+C.\n"));
        }

        text.Append('\n');
        var several = result.Templates.Count > 1;
        var rows = new List<IReadOnlyList<string>>();
        if (several)
        {
            var weights = result.Templates.Sum(t => t.Template.Weight);
            rows.AddRange(result.Templates.Zip(result.TemplateSummaries).Select(pair =>
                (IReadOnlyList<string>)[pair.First.Name, Format.Percent(pair.First.Template.Weight / weights), .. Figures(pair.Second)]));
            rows.Add(["total", "", .. Figures(result.Summary)]);
            text.Append(Format.Table(["request", "weight", .. FigureHeaders], rows));
        }
        else
        {
            rows.Add([result.Scenario, .. Figures(result.Summary)]);
            text.Append(Format.Table(["request", .. FigureHeaders], rows));
        }

        text.Append('\n');
        var codes = result.Total.StatusCodes;
        text.Append("status codes: ").Append(codes.Count == 0 ? "none" : string.Join(", ", codes.Select(c => Invariant($"{c.Key}×{c.Value:N0}")))).Append('\n');
        var transport = result.Total.TransportErrors;
        text.Append("transport errors: ").Append(transport.Count == 0 ? "none" : string.Join(", ", transport.Select(e => Invariant($"{e.Key}×{e.Value:N0}")))).Append('\n');
        if (several)
        {
            foreach (var (template, summary) in result.Templates.Zip(result.TemplateSummaries).Where(p => p.Second.Errors > 0))
            {
                text.Append(Invariant($"  {template.Name}: {summary.DescribeErrors()}\n"));
            }
        }

        text.Append("latency: from sending a request to reading the last byte of its answer, any status; MB/s: response bodies.\n");
        return text.ToString();
    }

    /// <summary>
    /// A comparison as markdown: the command, the machine and settings, a table of every run and the
    /// medians, and the target's ratios to the baseline.
    /// </summary>
    public static string Comparison(CompareResult result, LoadOptions options, ReportContext context)
    {
        var text = new StringBuilder();
        text.Append(Invariant($"### {result.TargetScenario.Name} vs {result.BaselineScenario.Name}\n\n"));
        text.Append("**Command**\n\n```bash\n").Append(context.Command).Append("\n```\n\n");
        text.Append(Invariant($"**Machine**: {context.Machine.Describe()}; load generator and server on the same machine, over loopback.\n\n"));
        text.Append(Invariant($"**Settings** ({context.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC): "))
            .Append(Settings(options)).Append(Invariant($"; {result.Rounds.Count} round{(result.Rounds.Count == 1 ? "" : "s")} of baseline then target"))
            .Append(result.Settle > TimeSpan.Zero ? Invariant($", {result.Settle.TotalSeconds:0.###} s pause before every run but the first") : "")
            .Append(".\n\n");
        text.Append(Invariant($"- baseline: `{Describe(result.BaselineScenario)}`\n"));
        text.Append(Invariant($"- target: `{Describe(result.TargetScenario)}`{Pools(result.TargetScenario)}\n\n"));

        if (result.Rounds.Count == 0)
        {
            return text.Append("No round finished (interrupted).\n").ToString();
        }

        var rows = new List<IReadOnlyList<string>>();
        foreach (var round in result.Rounds)
        {
            var label = round.Round.ToString(CultureInfo.InvariantCulture);
            rows.Add([label, "baseline", .. Figures(round.Baseline.Summary)]);
            rows.Add([label, "target", .. Figures(round.Target.Summary)]);
        }

        if (result.Rounds.Count > 1)
        {
            rows.Add(["**median**", "baseline", .. Figures(result.BaselineMedian)]);
            rows.Add(["**median**", "target", .. Figures(result.TargetMedian)]);
        }

        text.Append(Format.MarkdownTable(["round", "run", .. FigureHeaders], rows, textColumns: 2)).Append('\n');

        var several = result.Rounds.Count > 1;
        string[] ratioHeaders = ["target vs baseline", .. result.Rounds.Select(r => Invariant($"round {r.Round}")), .. several ? new[] { "median" } : []];
        var ratioRows = new List<IReadOnlyList<string>>
        {
            Ratios("req/s, target ÷ baseline", r => Format.Percent(r.RpsRatio), Format.Percent(result.RpsRatio)),
            Ratios("p99 ms, target", r => Format.Ms(r.Target.Summary.Latency.P99Ms), Format.Ms(result.TargetMedian.Latency.P99Ms)),
            Ratios("p99 ms, baseline", r => Format.Ms(r.Baseline.Summary.Latency.P99Ms), Format.Ms(result.BaselineMedian.Latency.P99Ms)),
            Ratios("p99, target ÷ baseline", r => Format.Times(r.P99Ratio), Format.Times(result.P99Ratio)),
        };
        text.Append(Format.MarkdownTable(ratioHeaders, ratioRows, textColumns: 1)).Append('\n');

        text.Append(Invariant($"**Target req/s = {Format.Percent(result.RpsRatio)} of the baseline's; target p99 = {Format.Ms(result.TargetMedian.Latency.P99Ms)} ms, "))
            .Append(Invariant($"{Format.Times(result.P99Ratio)} the baseline's {Format.Ms(result.BaselineMedian.Latency.P99Ms)} ms**"))
            .Append(several ? Invariant($" (medians over {result.Rounds.Count} rounds).\n") : ".\n");

        if (result.TargetScenario.Requests.Count > 1)
        {
            var weights = result.TargetScenario.Requests.Sum(r => r.Weight);
            var templateRows = result.TargetScenario.Requests.Zip(result.TargetTemplateMedians).Select(pair =>
                (IReadOnlyList<string>)[pair.First.DisplayName, Format.Percent(pair.First.Weight / weights), .. Figures(pair.Second)]);
            text.Append(Invariant($"\nTarget per request{(several ? " (medians over the rounds)" : "")}:\n\n"));
            text.Append(Format.MarkdownTable(["request", "weight", .. FigureHeaders], templateRows, textColumns: 1));
        }

        var errors = result.Rounds
            .SelectMany(r => new[] { (r.Round, Role: "baseline", r.Baseline.Summary), (r.Round, Role: "target", r.Target.Summary) })
            .Where(x => x.Summary.Errors > 0)
            .Select(x => Invariant($"round {x.Round} {x.Role}: {x.Summary.DescribeErrors()}"))
            .ToList();
        text.Append(errors.Count == 0 ? "\nNo errors.\n" : "\nErrors: " + string.Join("; ", errors) + ".\n");
        text.Append("\nLatency runs from sending a request to reading the last byte of its answer (any status); MB/s counts response bodies.\n");
        return text.ToString();

        IReadOnlyList<string> Ratios(string name, Func<CompareRound, string> perRound, string median) =>
            [name, .. result.Rounds.Select(perRound), .. several ? new[] { "**" + median + "**" } : []];
    }

    /// <summary>The figures of a table row, in the order of the reports' columns.</summary>
    internal static IReadOnlyList<string> Figures(RunSummary s) =>
    [
        Format.Count(s.Requests),
        Format.Rate(s.RequestsPerSecond),
        Format.Ms(s.Latency.P50Ms),
        Format.Ms(s.Latency.P90Ms),
        Format.Ms(s.Latency.P99Ms),
        Format.Ms(s.Latency.P999Ms),
        Format.Ms(s.Latency.MaxMs),
        s.Errors == 0 ? "0" : Invariant($"{Format.Count(s.Errors)} ({Format.Percent(s.ErrorRate)})"),
        Format.MegabytesPerSecond(s.BytesPerSecond),
    ];

    /// <summary>A scenario in one line: its request, or its weighted requests.</summary>
    internal static string Describe(Scenario scenario) => scenario.Requests.Count == 1
        ? Request(scenario.Requests[0])
        : string.Join(" + ", scenario.Requests.Select(r => Invariant($"{r.Weight:0.##}× {Request(r)}")));

    private static string Request(RequestTemplate r) => $"{r.Method} {r.Path}";

    private static string Pools(Scenario scenario)
    {
        var used = scenario.Requests.SelectMany(r => PlaceholderText.Parse(r.Path).Placeholders).Distinct(StringComparer.Ordinal)
            .Where(scenario.Pools.Contains).Select(name => Invariant($"{{{name}}} from {Format.Count(scenario.Pools[name].Count)} ids")).ToList();
        return used.Count == 0 ? "" : " (" + string.Join(", ", used) + ")";
    }

    private static string Settings(LoadResult result)
    {
        var options = result.Options;
        var measured = options.Requests is { } n
            ? Invariant($"{Format.Count(result.Total.Requests)} of {Format.Count(n)} requests measured in {Format.Duration(result.Elapsed)}")
            : Invariant($"{Format.Duration(result.Elapsed)} measured");
        return Invariant($"{options.Connections} connections, {Format.Duration(options.Warmup)} warm-up ({Format.Count(result.WarmupRequests)} requests, not recorded), ")
            + measured + Invariant($", {Format.Duration(options.RequestTimeout)} request timeout, seed {options.Seed}");
    }

    private static string Settings(LoadOptions options)
    {
        var measured = options.Requests is { } n
            ? Invariant($"{Format.Count(n)} requests measured per run (at most {Format.Duration(options.Duration)})")
            : Invariant($"{Format.Duration(options.Duration)} measured per run");
        return Invariant($"{options.BaseAddress.GetLeftPart(UriPartial.Authority)}, {options.Connections} connections (HTTP/1.1 keep-alive, closed loop), ")
            + Invariant($"{Format.Duration(options.Warmup)} warm-up, ") + measured
            + Invariant($", {Format.Duration(options.RequestTimeout)} request timeout, seed {options.Seed}");
    }
}
