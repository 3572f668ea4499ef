using Resso.Load.Engine;
using Resso.Load.Scenarios;

namespace Resso.Load.Compare;

/// <summary>
/// Measures a target scenario against a baseline (<c>GET /api/health</c>) in the same session and
/// with the same options, alternating rounds (baseline, target, baseline, target …) so that drift
/// in a noisy machine hits both alike.
/// </summary>
/// <param name="runner">Runs each scenario.</param>
/// <param name="timeProvider">Times the pauses of <c>settle</c>; the system clock when null.</param>
public sealed class CompareRunner(LoadRunner runner, TimeProvider? timeProvider = null)
{
    /// <summary>The baseline every comparison is made against by default.</summary>
    public const string DefaultBaselinePath = "/api/health";

    /// <summary>The most rounds a comparison may have.</summary>
    public const int MaxRounds = 100;

    /// <summary>The longest pause between runs.</summary>
    public static readonly TimeSpan MaxSettle = TimeSpan.FromMinutes(30);

    /// <summary>Runs <paramref name="rounds"/> rounds of baseline then target.</summary>
    /// <param name="baseline">The reference, usually <c>GET /api/health</c>.</param>
    /// <param name="target">What is measured against it.</param>
    /// <param name="options">The options of every run.</param>
    /// <param name="rounds">How many times to run the pair.</param>
    /// <param name="observer">Told when each run starts and ends, and how it is going.</param>
    /// <param name="settle">
    /// A pause before every run but the first, so that work a run leaves behind in the server (write-behind queues,
    /// storage catching up) does not land in the next run's measurement; zero for none.
    /// </param>
    /// <param name="cancellationToken">Stops early; the result holds the rounds that finished and flags the interrupted run.</param>
    public async Task<CompareResult> RunAsync(
        Scenario baseline, Scenario target, LoadOptions options, int rounds = 1, ICompareObserver? observer = null,
        TimeSpan settle = default, CancellationToken cancellationToken = default)
    {
        if (rounds is < 1 or > MaxRounds)
        {
            throw new UsageException($"rounds must be between 1 and {MaxRounds}, not {rounds}.");
        }

        if (settle < TimeSpan.Zero || settle > MaxSettle)
        {
            throw new UsageException($"settle must be between 0 and 30 minutes, not {settle.ToString("c", System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        // Both are checked before anything is sent, so a typo in the target does not cost a baseline run.
        options.Validate();
        baseline.Compile(options.BaseAddress);
        target.Compile(options.BaseAddress);

        var done = new List<CompareRound>();
        for (var round = 1; round <= rounds; round++)
        {
            if (round > 1 && !await SettleAsync(round, CompareRole.Baseline))
            {
                return Result(interrupted: true);
            }

            var baselineResult = await RunOneAsync(round, CompareRole.Baseline, baseline);
            if (baselineResult.Interrupted || !await SettleAsync(round, CompareRole.Target))
            {
                return Result(interrupted: true);
            }

            var targetResult = await RunOneAsync(round, CompareRole.Target, target);
            if (targetResult.Interrupted)
            {
                return Result(interrupted: true);
            }

            done.Add(new CompareRound(round, baselineResult, targetResult));
        }

        return Result(interrupted: false);

        CompareResult Result(bool interrupted) => new(done, baseline, target, interrupted) { Settle = settle };

        async Task<bool> SettleAsync(int round, CompareRole next)
        {
            if (settle == TimeSpan.Zero)
            {
                return true;
            }

            observer?.Settling(round, next, settle);
            try
            {
                await Task.Delay(settle, timeProvider ?? TimeProvider.System, cancellationToken);
                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        async Task<LoadResult> RunOneAsync(int round, CompareRole role, Scenario scenario)
        {
            observer?.Starting(round, rounds, role, scenario);
            var result = await runner.RunAsync(scenario, options, observer?.ProgressOf(round, role), cancellationToken);
            observer?.Finished(round, rounds, role, result);
            return result;
        }
    }
}

/// <summary>Which side of a comparison a run is.</summary>
public enum CompareRole
{
    /// <summary>The reference (<c>/api/health</c>).</summary>
    Baseline,

    /// <summary>The scenario measured against it.</summary>
    Target,
}

/// <summary>Follows a comparison as it runs.</summary>
public interface ICompareObserver
{
    /// <summary>A run is about to start.</summary>
    void Starting(int round, int rounds, CompareRole role, Scenario scenario);

    /// <summary>The comparison pauses for <paramref name="pause"/> before the given run.</summary>
    void Settling(int round, CompareRole role, TimeSpan pause)
    {
    }

    /// <summary>Where progress of a run goes; null for none.</summary>
    IProgress<LoadProgress>? ProgressOf(int round, CompareRole role);

    /// <summary>A run has finished.</summary>
    void Finished(int round, int rounds, CompareRole role, LoadResult result);
}

/// <summary>One baseline run and the target run after it.</summary>
public sealed record CompareRound(int Round, LoadResult Baseline, LoadResult Target)
{
    /// <summary>Target requests/s over baseline requests/s; 0 when the baseline measured nothing.</summary>
    public double RpsRatio => Ratio(Target.RequestsPerSecond, Baseline.RequestsPerSecond);

    /// <summary>Target p99 over baseline p99; 0 when the baseline measured nothing.</summary>
    public double P99Ratio => Ratio(Target.Summary.Latency.P99Ms, Baseline.Summary.Latency.P99Ms);

    internal static double Ratio(double numerator, double denominator) => denominator > 0 ? numerator / denominator : 0;
}

/// <summary>A comparison's rounds and their medians.</summary>
/// <param name="Rounds">The rounds that finished, in order.</param>
/// <param name="BaselineScenario">The baseline.</param>
/// <param name="TargetScenario">The target.</param>
/// <param name="Interrupted">Ctrl+C stopped it before every round finished.</param>
public sealed record CompareResult(IReadOnlyList<CompareRound> Rounds, Scenario BaselineScenario, Scenario TargetScenario, bool Interrupted)
{
    /// <summary>The pause before every run but the first.</summary>
    public TimeSpan Settle { get; init; }

    /// <summary>The baseline's figures, each the median over the rounds.</summary>
    public RunSummary BaselineMedian => RunSummary.Median(BaselineScenario.Name, [.. Rounds.Select(r => r.Baseline.Summary)]);

    /// <summary>The target's figures, each the median over the rounds.</summary>
    public RunSummary TargetMedian => RunSummary.Median(TargetScenario.Name, [.. Rounds.Select(r => r.Target.Summary)]);

    /// <summary>The median of the rounds' target/baseline requests/s ratios: the headline figure.</summary>
    public double RpsRatio => Stats.Median(Rounds, r => r.RpsRatio);

    /// <summary>The median of the rounds' target/baseline p99 ratios.</summary>
    public double P99Ratio => Stats.Median(Rounds, r => r.P99Ratio);

    /// <summary>Each target template's figures, the median over the rounds.</summary>
    public IReadOnlyList<RunSummary> TargetTemplateMedians =>
        [.. TargetScenario.Requests.Select((t, i) => RunSummary.Median(t.DisplayName, [.. Rounds.Select(r => r.Target.TemplateSummaries[i])]))];
}
