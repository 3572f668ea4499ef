using Resso.Load.Compare;
using Resso.Load.Engine;
using Resso.Load.Reporting;
using Resso.Load.Scenarios;
using static System.FormattableString;

namespace Resso.Load.Cli;

/// <summary>The command line tool: parses options, runs or compares, prints the report and writes the JSON.</summary>
public sealed class LoadCommand(TextWriter output, TextWriter error, TimeProvider time)
{
    /// <summary>Exit code: the runs finished within the error budget.</summary>
    public const int Success = 0;

    /// <summary>Exit code: a run's error rate exceeded <c>--max-error-rate</c>, or it measured nothing.</summary>
    public const int Failure = 1;

    /// <summary>Exit code: the command line, scenario or mix file is wrong, or the URL is not loopback.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code: interrupted (Ctrl+C).</summary>
    public const int Interrupted = 130;

    private readonly TextWriter _error = TextWriter.Synchronized(error);

    /// <summary>Where relative paths (mix, body, id and JSON files) are resolved.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>How reports begin the command line that reproduces them.</summary>
    public string CommandPrefix { get; init; } = "dotnet run --project bench/Resso.Load -c Release --";

    /// <summary>Describes the machine (replaceable in tests).</summary>
    public Func<MachineInfo> Machine { get; init; } = MachineInfo.Current;

    /// <summary>Runs the command; returns the exit code.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        CommandOptions options;
        Scenario target;
        Scenario baseline;
        try
        {
            options = CommandLine.Parse(args);
            if (options.Help)
            {
                await output.WriteLineAsync(CommandLine.Usage);
                return Success;
            }

            target = BuildTarget(options);
            baseline = Scenario.Single(new RequestTemplate(options.BaselinePath));
            target.Compile(options.Load.BaseAddress);
            baseline.Compile(options.Load.BaseAddress);
        }
        catch (UsageException ex)
        {
            await _error.WriteLineAsync("error: " + ex.Message);
            await _error.WriteLineAsync("Run with --help for usage.");
            return UsageError;
        }

        var context = new ReportContext(CommandLine.Reproduce(CommandPrefix, args), Machine(), time.GetUtcNow());
        var runner = new LoadRunner(time);
        string report;
        string json;
        IReadOnlyList<LoadResult> results;
        bool interrupted;
        if (options.Mode == LoadMode.Run)
        {
            await _error.WriteLineAsync(Invariant($"[load] {target.Name}: {Plan(options.Load)}"));
            var result = await runner.RunAsync(target, options.Load, options.Progress ? new ProgressLines(_error, "") : null, cancellationToken);
            report = Reports.Run(result, context);
            json = JsonReport.Run(result, context);
            results = [result];
            interrupted = result.Interrupted;
        }
        else
        {
            var comparison = await new CompareRunner(runner).RunAsync(
                baseline, target, options.Load, options.Rounds, new CompareLines(_error, options.Load, options.Progress), options.Settle, cancellationToken);
            report = Reports.Comparison(comparison, options.Load, context);
            json = JsonReport.Comparison(comparison, options.Load, context);
            results = [.. comparison.Rounds.SelectMany(r => new[] { r.Baseline, r.Target })];
            interrupted = comparison.Interrupted;
        }

        await output.WriteAsync(report);
        if (options.Json is { } jsonPath)
        {
            var path = Path.GetFullPath(jsonPath, WorkingDirectory);
            await File.WriteAllTextAsync(path, json + "\n", CancellationToken.None);
            await _error.WriteLineAsync("[load] wrote " + path);
        }

        if (interrupted)
        {
            return Interrupted;
        }

        var failed = results.Where(r => r.Total.Requests == 0 || r.Total.ErrorRate > options.MaxErrorRate).ToList();
        foreach (var result in failed)
        {
            await _error.WriteLineAsync(result.Total.Requests == 0
                ? $"error: {result.Scenario} measured no requests."
                : Invariant($"error: {result.Scenario}: {result.Total.ErrorRate:P2} of requests failed (allowed: {options.MaxErrorRate:P2}): {result.Summary.DescribeErrors()}."));
        }

        return failed.Count == 0 ? Success : Failure;
    }

    private Scenario BuildTarget(CommandOptions options)
    {
        Scenario scenario;
        if (options.Mix is { } mix)
        {
            scenario = MixFile.Load(Path.GetFullPath(mix, WorkingDirectory));
        }
        else
        {
            var body = options.Body;
            if (options.BodyFile is { } bodyFile)
            {
                var path = Path.GetFullPath(bodyFile, WorkingDirectory);
                body = File.Exists(path) ? File.ReadAllText(path) : throw new UsageException($"the body file '{path}' does not exist.");
            }

            scenario = Scenario.Single(new RequestTemplate(options.Path!) { Method = options.Method, Body = body, ContentType = options.ContentType });
        }

        var pools = IdPools.Empty;
        foreach (var (name, spec) in options.Pools)
        {
            pools = pools.With(name, IdPools.ParseSpec(spec, WorkingDirectory));
        }

        // The command line wins over the mix file, which wins over the defaults.
        return (scenario with { Pools = IdPools.Defaults.With(scenario.Pools).With(pools) }).WithHeaders(options.Headers);
    }

    private static string Plan(LoadOptions options) =>
        Invariant($"{options.Connections} connections, {Format.Duration(options.Warmup)} warm-up, then ")
        + (options.Requests is { } n ? Invariant($"{n:N0} requests (at most {Format.Duration(options.Duration)})") : Format.Duration(options.Duration))
        + "…";

    /// <summary>Progress of one run as lines on stderr.</summary>
    private sealed class ProgressLines(TextWriter error, string label) : IProgress<LoadProgress>
    {
        public void Report(LoadProgress value)
        {
            var seconds = value.Elapsed.TotalSeconds;
            error.WriteLine(value.Measuring
                ? Invariant($"[load] {label}measuring {seconds:0} s: {value.Requests:N0} requests ({(seconds > 0 ? value.Requests / seconds : 0):N0}/s), {value.Errors:N0} errors")
                : Invariant($"[load] {label}warming up {seconds:0} s"));
        }
    }

    /// <summary>A comparison's runs as lines on stderr.</summary>
    private sealed class CompareLines(TextWriter error, LoadOptions options, bool progress) : ICompareObserver
    {
        public void Starting(int round, int rounds, CompareRole role, Scenario scenario) =>
            error.WriteLine(Invariant($"[load] round {round}/{rounds} {Role(role)} {scenario.Name}: {Plan(options)}"));

        public void Settling(int round, CompareRole role, TimeSpan pause) =>
            error.WriteLine(Invariant($"[load] settling {pause.TotalSeconds:0.###} s before round {round} {Role(role)}"));

        public IProgress<LoadProgress>? ProgressOf(int round, CompareRole role) =>
            progress ? new ProgressLines(error, Invariant($"round {round} {Role(role)}: ")) : null;

        public void Finished(int round, int rounds, CompareRole role, LoadResult result)
        {
            var s = result.Summary;
            error.WriteLine(Invariant($"[load] round {round}/{rounds} {Role(role)}: {s.RequestsPerSecond:N0} req/s, p50 {Format.Ms(s.Latency.P50Ms)} ms, p99 {Format.Ms(s.Latency.P99Ms)} ms, {s.Errors:N0} errors"));
        }

        private static string Role(CompareRole role) => role == CompareRole.Baseline ? "baseline" : "target";
    }
}
