using System.Text.Json;
using Resso.Load.Compare;
using Resso.Load.Engine;
using Resso.Load.Reporting;
using Resso.Load.Scenarios;

namespace Resso.Load.Tests;

public sealed class CompareTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_Rounds_AlternateBaselineAndTargetWithTheSameOptions()
    {
        await using var server = await TestServer.StartAsync();
        var options = Builders.Options(server.BaseAddress, connections: 2) with { Requests = 30, Duration = TimeSpan.FromSeconds(30) };
        var observer = new RecordingObserver();

        var result = await new CompareRunner(new LoadRunner()).RunAsync(
            Builders.Get("/api/health"), Builders.Get("/api/ok"), options, rounds: 2, observer, cancellationToken: Token);

        Assert.Equal(["1 Baseline GET /api/health", "1 Target GET /api/ok", "2 Baseline GET /api/health", "2 Target GET /api/ok"], observer.Started);
        Assert.Equal(observer.Started, observer.Ended);
        Assert.Equal([1, 2], result.Rounds.Select(r => r.Round));
        Assert.All(result.Rounds, r =>
        {
            Assert.Equal((30L, 30L), (r.Baseline.Total.Requests, r.Target.Total.Requests));
            Assert.Same(options, r.Baseline.Options);
            Assert.Same(options, r.Target.Options);
            Assert.Equal(r.Target.RequestsPerSecond / r.Baseline.RequestsPerSecond, r.RpsRatio, 9);
        });
        Assert.Equal((result.Rounds[0].RpsRatio + result.Rounds[1].RpsRatio) / 2, result.RpsRatio, 9);
        Assert.InRange(server.Hits("health"), 60, 60 + 2 * options.Connections);
        Assert.InRange(server.Hits("ok"), 60, 60 + 2 * options.Connections);
    }

    [Fact]
    public async Task Command_Compare_PrintsBothRowsTheRatiosTheCommandAndTheMachineAndWritesJson()
    {
        await using var server = await TestServer.StartAsync();
        var directory = Directory.CreateTempSubdirectory("resso-load-").FullName;
        try
        {
            var run = await Run.CommandAsync(
                ["compare", "--url", server.BaseAddress.ToString(), "--path", "/api/echo/{song}?userId={user}&region=ID&platform=ios", "--key", "secret-key",
                    "--connections", "2", "--warmup", "500ms", "--duration", "1s", "--rounds", "2", "--json", "out.json", "--no-progress"],
                directory);

            Assert.True(run.ExitCode == 0, run.Error);
            var report = run.Output;
            Assert.Contains("| round | run | requests | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | MB/s |", report, StringComparison.Ordinal);
            foreach (var row in new[] { "| 1 | baseline |", "| 1 | target |", "| 2 | baseline |", "| 2 | target |", "| **median** | baseline |", "| **median** | target |" })
            {
                Assert.Contains(row, report, StringComparison.Ordinal);
            }

            Assert.Contains("| req/s, target ÷ baseline |", report, StringComparison.Ordinal);
            Assert.Contains("| p99 ms, target |", report, StringComparison.Ordinal);
            Assert.Contains("- baseline: `GET /api/health`", report, StringComparison.Ordinal);
            Assert.Contains("- target: `GET /api/echo/{song}?userId={user}&region=ID&platform=ios` ({song} from 2,000 ids, {user} from 5,000 ids)", report, StringComparison.Ordinal);
            Assert.Contains("dotnet run --project bench/Resso.Load -c Release -- compare --url", report, StringComparison.Ordinal);
            Assert.Contains("--key '<redacted>'", report, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-key", report, StringComparison.Ordinal);
            Assert.Contains("**Machine**: 2 cores (Test CPU), Test OS, .NET test, X64, workstation GC", report, StringComparison.Ordinal);
            Assert.Contains("No errors.", report, StringComparison.Ordinal);
            Assert.All(server.Echoes, e => Assert.Equal("secret-key", e.Key));

            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "out.json")));
            var runs = json.RootElement.GetProperty("runs").EnumerateArray().ToList();
            Assert.Equal(["baseline", "target", "baseline", "target"], runs.Select(r => r.GetProperty("role").GetString()));
            Assert.All(runs, r => Assert.True(r.GetProperty("total").GetProperty("requests").GetInt64() > 0));
            var comparison = json.RootElement.GetProperty("comparison");
            Assert.Equal(2, comparison.GetProperty("rounds").GetInt32());
            Assert.True(comparison.GetProperty("rpsRatio").GetDouble() > 0);
            Assert.True(comparison.GetProperty("targetMedian").GetProperty("latencyMs").GetProperty("p99Ms").GetDouble() > 0);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Command_CompareWithABrokenTarget_ExitsWith2BeforeLoadingTheBaseline()
    {
        await using var server = await TestServer.StartAsync();

        var run = await Run.CommandAsync(["compare", "--url", server.BaseAddress.ToString(), "--path", "/api/{nopool}", "--warmup", "0", "--duration", "1s"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(0, server.Hits("health"));
    }

    [Fact]
    public async Task Command_CompareWithAFailingTarget_ReportsTheErrorsAndExitsWith1()
    {
        await using var server = await TestServer.StartAsync();

        var run = await Run.CommandAsync(["compare", "--url", server.BaseAddress.ToString(), "--path", "/api/missing",
            "--connections", "2", "--warmup", "0", "--requests", "20", "--no-progress"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Errors: round 1 target: 404×20.", run.Output, StringComparison.Ordinal);
        Assert.Contains("error: GET /api/missing: 100.00 % of requests failed", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_RunWithAMix_PrintsATableRowPerTemplateAndATotal()
    {
        await using var server = await TestServer.StartAsync();
        var directory = Directory.CreateTempSubdirectory("resso-load-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "mix.json"), """
                { "requests": [ { "name": "health", "weight": 3, "path": "/api/health" }, { "name": "ok", "path": "/api/ok" } ] }
                """);

            var run = await Run.CommandAsync(["run", "--url", server.BaseAddress.ToString(), "--mix", "mix.json", "--connections", "2",
                "--warmup", "0", "--requests", "100", "--no-progress"], directory);

            Assert.True(run.ExitCode == 0, run.Error);
            var lines = run.Output.Split('\n');
            Assert.Contains(lines, l => l.StartsWith("health ", StringComparison.Ordinal) && l.Contains("75 %", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("ok ", StringComparison.Ordinal) && l.Contains("25 %", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("total ", StringComparison.Ordinal) && l.Contains(" 100 ", StringComparison.Ordinal));
            Assert.Contains("status codes: 200×100", run.Output, StringComparison.Ordinal);
            Assert.Contains("transport errors: none", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_Settle_PausesBeforeEveryRunButTheFirstAndReportsIt()
    {
        await using var server = await TestServer.StartAsync();
        var options = Builders.Options(server.BaseAddress, connections: 1) with { Requests = 5, Duration = TimeSpan.FromSeconds(30) };
        var observer = new RecordingObserver();
        var settle = TimeSpan.FromMilliseconds(300);

        var result = await new CompareRunner(new LoadRunner()).RunAsync(
            Builders.Get("/api/health"), Builders.Get("/api/ok"), options, rounds: 2, observer, settle, Token);

        Assert.Equal(["1 Target 0.3", "2 Baseline 0.3", "2 Target 0.3"], observer.Settled);
        Assert.Equal(["1 Baseline GET /api/health", "1 Target GET /api/ok", "2 Baseline GET /api/health", "2 Target GET /api/ok"], observer.Started);
        for (var pause = 0; pause < 3; pause++)
        {
            // Each run after the first starts a whole pause after it was announced (timers never fire early by more than a tick).
            var waited = observer.StartedAt[pause + 1] - observer.SettledAt[pause];
            Assert.True(waited >= settle - TimeSpan.FromMilliseconds(15), $"pause {pause + 1} lasted {waited.TotalMilliseconds} ms");
        }

        Assert.Equal(settle, result.Settle);
        Assert.False(result.Interrupted);
        Assert.Contains(", 0.3 s pause before every run but the first.", Reports.Comparison(result, options, Builders.Context()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileSettling_ReturnsTheRoundsDoneAsInterrupted()
    {
        await using var server = await TestServer.StartAsync();
        var options = Builders.Options(server.BaseAddress, connections: 1) with { Requests = 5, Duration = TimeSpan.FromSeconds(30) };
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var observer = new RecordingObserver { OnSettling = cancel.Cancel };

        var result = await new CompareRunner(new LoadRunner()).RunAsync(
            Builders.Get("/api/health"), Builders.Get("/api/ok"), options, rounds: 2, observer, TimeSpan.FromMinutes(10), cancel.Token);

        Assert.True(result.Interrupted);
        Assert.Empty(result.Rounds);
        Assert.Equal(["1 Baseline GET /api/health"], observer.Started);
    }

    private sealed class RecordingObserver : ICompareObserver
    {
        public List<string> Settled { get; } = [];

        public List<TimeSpan> SettledAt { get; } = [];

        public List<TimeSpan> StartedAt { get; } = [];

        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

        public Action? OnSettling { get; init; }

        public List<string> Started { get; } = [];

        public List<string> Ended { get; } = [];

        public void Starting(int round, int rounds, CompareRole role, Scenario scenario)
        {
            lock (this)
            {
                Started.Add($"{round} {role} {scenario.Name}");
                StartedAt.Add(_clock.Elapsed);
            }
        }

        public void Settling(int round, CompareRole role, TimeSpan pause)
        {
            lock (this)
            {
                Settled.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{round} {role} {pause.TotalSeconds}"));
                SettledAt.Add(_clock.Elapsed);
            }

            OnSettling?.Invoke();
        }

        public IProgress<LoadProgress>? ProgressOf(int round, CompareRole role) => null;

        public void Finished(int round, int rounds, CompareRole role, LoadResult result) => Ended.Add($"{round} {role} {result.Scenario}");
    }
}
