using Resso.Ml.Data;
using Resso.Ml.Model;
using Resso.Ml.Ranking;
using Resso.Ml.Scoring;
using Resso.Ml.Training;

namespace Resso.Ml.Evaluation;

/// <summary>What an offline evaluation runs.</summary>
public sealed record OfflineEvaluationOptions
{
    /// <summary>The ranking cut-off K.</summary>
    /// <value>10.</value>
    public int K { get; init; } = 10;

    /// <summary>Seeds the per-user split.</summary>
    /// <value>42.</value>
    public int Seed { get; init; } = 42;

    /// <summary>Fraction of each user's interactions held out.</summary>
    /// <value>0.2.</value>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>
    /// Evaluate on a validation split cut from the training part (seed + 1) instead of the test part,
    /// for choosing hyper-parameters without looking at the test set.
    /// </summary>
    /// <value>false.</value>
    public bool Validation { get; init; }

    /// <summary>FFM training options.</summary>
    public FfmTrainingOptions Ffm { get; init; } = new();

    /// <summary>Whether to also evaluate fold-in users (vectors re-derived from their training items).</summary>
    /// <value>true.</value>
    public bool IncludeFoldIn { get; init; } = true;

    /// <summary>Fold-in options.</summary>
    public FoldInOptions FoldIn { get; init; } = new();

    /// <summary>Whether to evaluate the most-popular baseline.</summary>
    /// <value>true.</value>
    public bool IncludePopularity { get; init; } = true;

    /// <summary>Whether to evaluate EASE.</summary>
    /// <value>true.</value>
    public bool IncludeEase { get; init; } = true;

    /// <summary>EASE's λ.</summary>
    /// <value>100.</value>
    public double EaseLambda { get; init; } = 100;

    /// <summary>Whether to evaluate implicit ALS.</summary>
    /// <value>true.</value>
    public bool IncludeAls { get; init; } = true;

    /// <summary>Implicit ALS options.</summary>
    public ImplicitAlsOptions Als { get; init; } = new();

    /// <summary>
    /// Whether to train and evaluate the product's two-stage pipeline, and EASE and ALS with the settings its
    /// validation split chose (the tuned baselines).
    /// </summary>
    /// <value>true.</value>
    public bool IncludeProduct { get; init; } = true;

    /// <summary>The product pipeline's training options.</summary>
    public PipelineTrainingOptions Pipeline { get; init; } = new();
}

/// <summary>The result of an offline evaluation.</summary>
/// <param name="Users">Users in the data.</param>
/// <param name="Items">Items in the data.</param>
/// <param name="TrainInteractions">Training interactions.</param>
/// <param name="TestInteractions">Held-out interactions.</param>
/// <param name="Options">What was run.</param>
/// <param name="Results">One row per method.</param>
/// <param name="Notes">Remarks such as how EASE was computed.</param>
public sealed record OfflineEvaluationReport(int Users, int Items, int TrainInteractions, int TestInteractions,
    OfflineEvaluationOptions Options, IReadOnlyList<RankingEvaluationResult> Results, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// Every row against the best baseline (<see cref="BaselineComparison.Compare"/>); empty in the fold reports of a
    /// cross-validation, which compares over all folds instead.
    /// </summary>
    /// <value>Empty.</value>
    public IReadOnlyList<MethodComparison> Comparisons { get; init; } = [];
}

/// <summary>
/// Runs the offline protocol of DESIGN.md: per-user 80/20 split, full ranking over all items minus the user's
/// training items, top-K metrics for the FFM model, its fold-in and same-run baselines.
/// </summary>
public sealed class OfflineEvaluator(TimeProvider timeProvider)
{
    /// <summary>Creates an evaluator on the system clock.</summary>
    public OfflineEvaluator()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Splits <paramref name="data"/> and evaluates every method.</summary>
    /// <param name="data">All interactions.</param>
    /// <param name="options">What to run; the defaults when null.</param>
    /// <param name="status">Receives a line per stage.</param>
    /// <param name="trainingProgress">Receives FFM epochs.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    public OfflineEvaluationReport Evaluate(InteractionData data, OfflineEvaluationOptions? options = null, IProgress<string>? status = null,
        IProgress<TrainingProgress>? trainingProgress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new OfflineEvaluationOptions();
        var split = InteractionSplitter.SplitPerUser(data, options.TestFraction, options.Seed);
        if (options.Validation)
        {
            split = InteractionSplitter.SplitPerUser(split.Train, options.TestFraction, options.Seed + 1);
        }

        return WithComparisons(EvaluateSplit(data, split.Train, split.Test, options, status, trainingProgress, cancellationToken), status);
    }

    /// <summary>
    /// N-fold cross-validation: each user's interactions are dealt into <paramref name="folds"/> folds
    /// (<see cref="CrossValidation.AssignFolds"/>, seeded by <see cref="OfflineEvaluationOptions.Seed"/>); every fold is
    /// the test set once, with the other folds as training data, under the same full-ranking protocol and K.
    /// </summary>
    /// <param name="data">All interactions.</param>
    /// <param name="folds">The number of folds, at least 2.</param>
    /// <param name="options">What to run; the defaults when null. <see cref="OfflineEvaluationOptions.TestFraction"/> is not used, and
    /// <see cref="OfflineEvaluationOptions.Validation"/> must be off.</param>
    /// <param name="status">Receives a line per stage.</param>
    /// <param name="trainingProgress">Receives FFM epochs.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    /// <exception cref="ArgumentException">Validation is on.</exception>
    public CrossValidationReport CrossValidate(InteractionData data, int folds, OfflineEvaluationOptions? options = null, IProgress<string>? status = null,
        IProgress<TrainingProgress>? trainingProgress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        options ??= new OfflineEvaluationOptions();
        if (options.Validation)
        {
            throw new ArgumentException("Cross-validation uses every interaction as test data once; tune on a validation split instead.", nameof(options));
        }

        var assignment = CrossValidation.AssignFolds(data, folds, options.Seed);
        var reports = new List<OfflineEvaluationReport>(folds);
        for (var fold = 0; fold < folds; fold++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            status?.Report($"fold {fold + 1}/{folds}");
            var split = CrossValidation.Split(data, assignment, fold);
            reports.Add(EvaluateSplit(data, split.Train, split.Test, options, status, trainingProgress, cancellationToken));
        }

        return WithComparisons(new CrossValidationReport(data.UserCount, data.ItemCount, data.Count, folds, options, reports,
            CrossValidation.SummarizeMethods(reports)), status);
    }

    /// <summary>Adds the paired comparisons with the best baseline, once every row of the split is done.</summary>
    private static OfflineEvaluationReport WithComparisons(OfflineEvaluationReport report, IProgress<string>? status)
    {
        status?.Report($"paired bootstrap against the best baseline: {BaselineComparison.BestBaseline(report.Results)?.Method ?? "none"}");
        return report with { Comparisons = BaselineComparison.Compare(report.Results, report.Options.Seed) };
    }

    /// <summary>Adds the paired comparisons with the best baseline over all folds.</summary>
    private static CrossValidationReport WithComparisons(CrossValidationReport report, IProgress<string>? status)
    {
        status?.Report($"paired bootstrap over folds against the best baseline: {BaselineComparison.BestBaseline(report.FoldReports) ?? "none"}");
        return report with { Comparisons = BaselineComparison.CompareOverFolds(report.FoldReports, report.Options.Seed) };
    }

    private OfflineEvaluationReport EvaluateSplit(InteractionData data, InteractionData train, InteractionData test, OfflineEvaluationOptions options,
        IProgress<string>? status, IProgress<TrainingProgress>? trainingProgress, CancellationToken cancellationToken)
    {
        var k = options.K;
        var results = new List<RankingEvaluationResult>();
        var notes = new List<string>();
        status?.Report($"split: {train.Count} train / {test.Count} {(options.Validation ? "validation" : "test")} interactions, {data.UserCount} users, {data.ItemCount} items");

        if (options.IncludePopularity)
        {
            var start = timeProvider.GetTimestamp();
            var popular = MostPopular.Fit(train);
            results.Add(RankingEvaluator.Evaluate("most popular", train, test, popular, k, timeProvider, timeProvider.GetElapsedTime(start), cancellationToken));
            status?.Report(Describe(results[^1]));
        }

        status?.Report($"training FFM: dim {options.Ffm.LatentDimension}, {options.Ffm.Epochs} epochs, {options.Ffm.NegativesPerPositive} negatives/positive");
        var trained = new FfmTrainer(timeProvider, Microsoft.Extensions.Logging.Abstractions.NullLogger<FfmTrainer>.Instance)
            .Train(train, options.Ffm, previous: null, trainingProgress, cancellationToken: cancellationToken);
        var model = trained.Model;
        results.Add(RankingEvaluator.Evaluate($"FFM (dim {options.Ffm.LatentDimension}, {options.Ffm.Epochs} epochs)", train, test,
            FactorScorer(model), k, timeProvider, trained.Elapsed, cancellationToken));
        status?.Report(Describe(results[^1]));

        if (options.IncludeFoldIn)
        {
            var start = timeProvider.GetTimestamp();
            var foldIn = new UserFoldIn(model, options.FoldIn);
            var prepare = timeProvider.GetElapsedTime(start);
            results.Add(RankingEvaluator.Evaluate("FFM fold-in (vectors re-derived from training items)", train, test, (user, scores) =>
            {
                var folded = foldIn.FoldIn(train.ItemsOf(user), train.WeightsOf(user));
                TopKScorer.ScoreAll(model, folded.Vector, scores);
            }, k, timeProvider, prepare, cancellationToken) with
            {
                Role = MethodRole.Diagnostic,
                Stages = [new("FFM", trained.Elapsed), new("fold-in setup", prepare)],
            });
            status?.Report(Describe(results[^1]));
            notes.Add(FoldInLatency(foldIn, train));
        }

        if (options.IncludeEase)
        {
            status?.Report($"fitting EASE (λ {options.EaseLambda})");
            var start = timeProvider.GetTimestamp();
            var ease = Ease.Fit(train, options.EaseLambda, cancellationToken: cancellationToken);
            var elapsed = timeProvider.GetElapsedTime(start);
            notes.Add($"EASE: {ease.Description}.");
            results.Add(RankingEvaluator.Evaluate($"EASE (λ {options.EaseLambda})", train, test, ease.Scorer, k, timeProvider, elapsed, cancellationToken));
            status?.Report(Describe(results[^1]));
        }

        if (options.IncludeAls)
        {
            status?.Report($"fitting implicit ALS ({options.Als.Factors} factors, {options.Als.Iterations} iterations)");
            var start = timeProvider.GetTimestamp();
            var als = ImplicitAls.Fit(train, options.Als, cancellationToken);
            var elapsed = timeProvider.GetElapsedTime(start);
            results.Add(RankingEvaluator.Evaluate($"implicit ALS ({options.Als.Factors} factors, {options.Als.Iterations} it.)", train, test,
                FactorScorer(als), k, timeProvider, elapsed, cancellationToken));
            status?.Report(Describe(results[^1]));
        }

        if (options.IncludeProduct)
        {
            EvaluateProduct(train, test, options, results, notes, status, cancellationToken);
        }

        return new OfflineEvaluationReport(data.UserCount, data.ItemCount, train.Count, test.Count, options, results, notes);
    }

    /// <summary>
    /// The product pipeline as it serves (every listener placed from their training songs), then EASE and implicit ALS
    /// refitted with the settings the pipeline's own validation split chose: baselines tuned the same way, on training data only.
    /// </summary>
    private void EvaluateProduct(InteractionData train, InteractionData test, OfflineEvaluationOptions options, List<RankingEvaluationResult> results,
        List<string> notes, IProgress<string>? status, CancellationToken cancellationToken)
    {
        var k = options.K;
        status?.Report("training the product pipeline (generators tuned on a validation split of the training data, LambdaRank ranker)");
        var pipelineOptions = options.Pipeline with { K = k, Ffm = options.Pipeline.Ffm with { LatentDimension = options.Ffm.LatentDimension } };
        var trainer = new PipelineTrainer(new FfmTrainer(timeProvider, Microsoft.Extensions.Logging.Abstractions.NullLogger<FfmTrainer>.Instance), timeProvider);
        var trained = trainer.Train(train, pipelineOptions, recentPopularity: null, status, cancellationToken);
        var model = trained.Model;
        notes.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Product pipeline: serves in {model.Mode.ToString().ToLowerInvariant()} mode; EASE λ {trained.Parameters["easeLambda"]}, ALS λ {trained.Parameters["alsLambda"]} α {trained.Parameters["alsAlpha"]}, ranker trees {trained.Parameters["rankerTrees"]}."));
        results.Add(RankingEvaluator.Evaluate("product pipeline", train, test, model.Scorer(train, k), k,
            timeProvider, trained.Elapsed, cancellationToken) with { Role = MethodRole.Product, Stages = trained.Stages });
        status?.Report(Describe(results[^1]));
        notes.Add("Product pipeline validation: " + string.Join("; ", trained.Trials.Select(t =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{t.Component} {t.Setting} {t.Ndcg:F4}{(t.Chosen ? " (chosen)" : "")}"))) + ".");

        if (trained.EaseLambda is { } lambda)
        {
            var start = timeProvider.GetTimestamp();
            var ease = Ease.Fit(train, lambda, cancellationToken: cancellationToken);
            results.Add(RankingEvaluator.Evaluate("EASE tuned (λ chosen on validation)", train, test, ease.Scorer, k, timeProvider,
                timeProvider.GetElapsedTime(start), cancellationToken));
            status?.Report(Describe(results[^1]));
        }

        var alsOptions = model.AlsOptions!;
        var alsStart = timeProvider.GetTimestamp();
        var als = ImplicitAls.Fit(train, alsOptions, cancellationToken);
        results.Add(RankingEvaluator.Evaluate(
            "implicit ALS tuned (λ, α chosen on validation)", train, test, FactorScorer(als), k, timeProvider, timeProvider.GetElapsedTime(alsStart), cancellationToken));
        status?.Report(Describe(results[^1]));
    }

    /// <summary>A scorer over a factor model's trained users.</summary>
    public static UserScorer FactorScorer(FactorModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (user, scores) => TopKScorer.ScoreAll(model, model.UserVector(user), scores);
    }

    /// <summary>Times fold-in from 10 events (the first 10 training items of each user who has as many).</summary>
    private string FoldInLatency(UserFoldIn foldIn, InteractionData train)
    {
        const int events = 10;
        var users = Enumerable.Range(0, train.UserCount).Where(u => train.CountOf(u) >= events).ToArray();
        foreach (var user in users.Take(50))
        {
            foldIn.FoldIn(train.ItemsOf(user)[..events]);
        }

        var start = timeProvider.GetTimestamp();
        foreach (var user in users)
        {
            foldIn.FoldIn(train.ItemsOf(user)[..events]);
        }

        var elapsed = timeProvider.GetElapsedTime(start);
        var micros = users.Length == 0 ? 0 : elapsed.TotalMicroseconds / users.Length;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Fold-in of {events} events: {micros:F0} µs per user on one thread (mean over {users.Length} users, {foldIn.Model.ItemCount} items).");
    }

    private static string Describe(RankingEvaluationResult result) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{result.Method}: NDCG@{result.K} {result.Ndcg:F4}, P@{result.K} {result.Precision:F4}, train {result.TrainTime.TotalSeconds:F1} s, eval {result.EvaluationTime.TotalSeconds:F1} s");
}
