using System.Globalization;
using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Model;
using Resso.Ml.Scoring;
using Resso.Ml.Training;

namespace Resso.Ml.Ranking;

/// <summary>How the two-stage pipeline is trained. Every grid is small and bounded; the values are chosen per training run on a validation split of the data being trained.</summary>
public sealed record PipelineTrainingOptions
{
    /// <summary>FFM settings other than those searched (dimension, epochs, early stopping).</summary>
    public FfmTrainingOptions Ffm { get; init; } = new() { EarlyStoppingPatience = 3 };

    /// <summary>FFM (negative-sampling exponent, latent λ) pairs tried.</summary>
    /// <value>Uniform and popularity-weighted (0.25) negatives, λ 0.003.</value>
    public IReadOnlyList<(double Exponent, float Lambda)> FfmGrid { get; init; } = [(0, 0.003f), (0.25, 0.003f)];

    /// <summary>EASE λ values tried (a ×5 ladder).</summary>
    public IReadOnlyList<double> EaseLambdas { get; init; } = [20, 100, 500, 2_500];

    /// <summary>Implicit-ALS (λ, α) pairs tried.</summary>
    public IReadOnlyList<(float Lambda, float Alpha)> AlsGrid { get; init; } = [(0.1f, 1f), (10f, 1f), (10f, 10f), (100f, 10f)];

    /// <summary>ALS factors.</summary>
    /// <value>64.</value>
    public int AlsFactors { get; init; } = 64;

    /// <summary>ALS iterations.</summary>
    /// <value>15.</value>
    public int AlsIterations { get; init; } = 15;

    /// <summary>EASE weights kept per song.</summary>
    /// <value>200.</value>
    public int EaseNeighbours { get; init; } = 200;

    /// <summary>Share of each listener's training songs held out to tune the generators and train the ranker.</summary>
    /// <value>0.2.</value>
    public double RankerFraction { get; init; } = 0.2;

    /// <summary>At most this many listeners score each tuning trial.</summary>
    /// <value>2,000.</value>
    public int MaxTuningUsers { get; init; } = 2_000;

    /// <summary>At most this many listeners give the ranker its training rows, and as many choose the mode.</summary>
    /// <value>5,000.</value>
    public int MaxRankerUsers { get; init; } = 5_000;

    /// <summary>Songs each generator proposes.</summary>
    /// <value>50.</value>
    public int CandidatesPerGenerator { get; init; } = 50;

    /// <summary>
    /// Above this many training interactions, settings are chosen and the ranker trained on a seeded sample of listeners
    /// holding about this many (the final generators still fit all the data): bounds the cost of the grids.
    /// </summary>
    /// <value>1,000,000.</value>
    public int MaxTuningInteractions { get; init; } = 1_000_000;

    /// <summary>LightGBM settings.</summary>
    public RankerTrainingOptions Ranker { get; init; } = new();

    /// <summary>Tree counts compared on validation (the ranker may serve with fewer trees than it trained).</summary>
    public IReadOnlyList<int> TreeCounts { get; init; } = [15, 30, 60];

    /// <summary>The validation metric's cut-off.</summary>
    /// <value>10.</value>
    public int K { get; init; } = 10;

    /// <summary>Seeds splits, samples and learners.</summary>
    /// <value>42.</value>
    public int Seed { get; init; } = 42;
}

/// <summary>One setting tried on validation.</summary>
/// <param name="Component">ffm, als, ease, ranker or mode.</param>
/// <param name="Setting">The setting, in words.</param>
/// <param name="Ndcg">Its validation NDCG@K.</param>
/// <param name="Chosen">Whether it was kept.</param>
public sealed record TuningTrial(string Component, string Setting, double Ndcg, bool Chosen);

/// <summary>A trained pipeline and how it was chosen.</summary>
/// <param name="Model">The pipeline, its generators refitted on all the training data.</param>
/// <param name="Ffm">The served FFM model (its ML.NET model), with the epochs its early-stopped tuning run took and found best.</param>
/// <param name="Parameters">The chosen settings, for the model manifest.</param>
/// <param name="Stages">Wall time of each stage, in order; the last, the FFM refit, ran beside the ranker's stages.</param>
/// <param name="Trials">Every setting tried and its validation NDCG.</param>
public sealed record PipelineTrainingResult(PipelineModel Model, FfmTrainingResult Ffm, IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyList<StageTime> Stages, IReadOnlyList<TuningTrial> Trials)
{
    /// <summary>Total training time (wall clock; the FFM refit runs beside the ranker's stages).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>EASE's chosen λ; null when EASE was not trained.</summary>
    public double? EaseLambda { get; init; }
}

/// <summary>
/// Trains the two-stage pipeline on training data only: each listener's training songs are split
/// again (seeded) into a fitting part and a held-out part; the listeners with held-out songs are
/// split in two halves. The generators are fitted on the fitting part and their settings chosen on the
/// first half's held-out songs; the ranker learns from the first half's candidates (label: the
/// candidate is held out); the second half chooses the ranker's tree count and whether the ranker or a
/// single generator serves. The generators are then refitted on all the training data with the chosen
/// settings (FFM for the epoch count early stopping found best), and the ranker kept as trained.
/// Above <see cref="PipelineTrainingOptions.MaxTuningInteractions"/> the choosing and the ranker use a
/// seeded sample of listeners; the final fits use everything.
/// </summary>
public sealed class PipelineTrainer(FfmTrainer ffmTrainer, TimeProvider timeProvider)
{
    /// <summary>
    /// FFM's grid fits run side by side up to this many interactions (HetRec's 60,000 take about 10 s each); above, one
    /// at a time: at 1 M interactions and dimension 128 two fits side by side took the process to 4.07 GiB, past the
    /// trainer's 4,096 MB instance.
    /// </summary>
    public const int ParallelFfmInteractions = 250_000;

    /// <summary>Trains a pipeline on <paramref name="train"/>.</summary>
    /// <param name="train">The training interactions.</param>
    /// <param name="options">Grids and sizes; the defaults when null.</param>
    /// <param name="recentPopularity">log(1 + recent listeners) per song of <paramref name="train"/>, when the data has time.</param>
    /// <param name="status">Receives a line per stage.</param>
    /// <param name="cancellationToken">Cancels training.</param>
    public PipelineTrainingResult Train(InteractionData train, PipelineTrainingOptions? options = null, float[]? recentPopularity = null,
        IProgress<string>? status = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = options ?? new PipelineTrainingOptions();
        var stages = new List<StageTime>();
        var trials = new List<TuningTrial>();
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var begin = timeProvider.GetTimestamp();
        var clock = begin;
        void Stage(string name)
        {
            stages.Add(new StageTime(name, timeProvider.GetElapsedTime(clock)));
            status?.Report(string.Create(CultureInfo.InvariantCulture, $"{name}: {stages[^1].TrainTime.TotalSeconds:F1} s"));
            clock = timeProvider.GetTimestamp();
        }

        var active = Enumerable.Range(0, train.UserCount).Count(u => train.CountOf(u) > 0);
        var tuningData = train.Count <= o.MaxTuningInteractions || active == 0
            ? train
            : InteractionSplitter.SampleUsers(train, Math.Max(1, (int)((long)o.MaxTuningInteractions * active / train.Count)), o.Seed + 5);
        parameters["tuningInteractions"] = tuningData.Count.ToString(CultureInfo.InvariantCulture);
        var inner = InteractionSplitter.SplitPerUser(tuningData, o.RankerFraction, o.Seed + 7);
        var fit = inner.Train;
        var heldOutUsers = Enumerable.Range(0, inner.Test.UserCount).Count(u => inner.Test.CountOf(u) > 0);
        var (tuning, choosing) = InteractionSplitter.PartitionUsers(inner.Test, Math.Min(o.MaxRankerUsers, Math.Max(1, heldOutUsers / 2)), o.Seed + 11);
        choosing = choosing is null ? tuning : InteractionSplitter.SampleUsers(choosing, o.MaxRankerUsers, o.Seed + 13);
        var tuningSample = InteractionSplitter.SampleUsers(tuning, o.MaxTuningUsers, o.Seed + 17);
        var popularity = Popularity(fit);
        Stage("split");

        // Generators on the fitting part, settings chosen on the tuning half. FFM's fits are mostly single-threaded, so they
        // run beside each other and beside EASE and ALS.
        var ffmTrials = new List<TuningTrial>();
        var ffmTask = Task.Run(() => TuneFfm(fit, tuningSample, o, ffmTrials, cancellationToken), cancellationToken);
        var (ease, easeLambda) = TuneEase(fit, tuningSample, o, trials, cancellationToken);
        var (als, alsOptions) = TuneAls(fit, tuningSample, o, trials, cancellationToken);
        var (ffmResult, ffmOptions, ffmEpochs) = ffmTask.GetAwaiter().GetResult();
        var ffm = ffmResult.Model;
        trials.AddRange(ffmTrials);
        Stage("tune generators");

        // FFM again on all of it for the epochs validation found best (it also serves similar songs and mixes): mostly one
        // thread, so it runs beside the ranker's stages.
        var ffmRefit = Task.Run(() =>
        {
            var started = timeProvider.GetTimestamp();
            var refitted = ffmTrainer.Train(train, ffmOptions with { Epochs = ffmEpochs, EarlyStoppingPatience = 0 }, previous: null, progress: null,
                validation: null, cancellationToken);
            return (Result: refitted, Elapsed: timeProvider.GetElapsedTime(started));
        }, cancellationToken);

        var stage1 = new PipelineModel(train.Items, PipelineMode.Ffm, ffm, als, alsOptions, ease, popularity, recentPopularity, null, o.CandidatesPerGenerator);
        var rows = new List<RankerRow>();
        var group = 0u;
        for (var user = 0; user < tuning.UserCount; user++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var heldOut = tuning.ItemsOf(user);
            if (heldOut.IsEmpty || fit.CountOf(user) == 0)
            {
                continue;
            }

            var positives = new HashSet<int>(heldOut.ToArray());
            var exclude = new ItemBitSet(train.ItemCount, fit.ItemsOf(user));
            var before = rows.Count;
            stage1.CollectRows(fit.ItemsOf(user), fit.WeightsOf(user), exclude, positives.Contains, group, rows);
            if (rows.Skip(before).Any(r => r.Label > 0))
            {
                group++;
            }
            else
            {
                rows.RemoveRange(before, rows.Count - before);
            }
        }

        Stage("candidates");
        RankerModel? ranker = null;
        var notTrained = group < 2 ? "fewer than two listeners with a held-out song among their candidates" : null;
        if (notTrained is null)
        {
            try
            {
                ranker = RankerTrainer.Train(rows, o.Ranker with { Seed = o.Seed }).Model;
            }
            catch (InvalidOperationException exception)
            {
                notTrained = exception.Message;
            }
        }

        if (notTrained is not null)
        {
            trials.Add(new TuningTrial("ranker", $"not trained: {notTrained}", double.NaN, false));
        }

        Stage("ranker");

        // The mode and the ranker's size, on listeners the ranker never saw. Every mode's top K lies within the candidates
        // (each generator's list is one of them), so one pass of candidate generation serves every mode.
        var validation = new List<RankerRow>();
        var validationGroups = new List<(int Start, int Count, int HeldOut)>();
        for (var user = 0; user < choosing.UserCount; user++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var heldOut = choosing.ItemsOf(user);
            if (heldOut.IsEmpty || fit.CountOf(user) == 0)
            {
                continue;
            }

            var positives = new HashSet<int>(heldOut.ToArray());
            var start = validation.Count;
            stage1.CollectRows(fit.ItemsOf(user), fit.WeightsOf(user), new ItemBitSet(train.ItemCount, fit.ItemsOf(user)), positives.Contains,
                (uint)validationGroups.Count, validation);
            validationGroups.Add((start, validation.Count - start, heldOut.Length));
        }

        var modes = new List<(string Setting, PipelineMode Mode, RankerModel? Ranker, Func<float[], double> Order)>();
        if (ranker is not null)
        {
            foreach (var trees in o.TreeCounts.Where(t => t <= ranker.TrainedTrees))
            {
                var truncated = ranker.Truncate(trees);
                modes.Add(($"ranker, {trees} trees", PipelineMode.Ranker, truncated, f => truncated.Score(f)));
            }
        }

        if (ease is not null)
        {
            modes.Add(("ease", PipelineMode.Ease, null, f => -f[CandidateFeatures.EaseRank]));
        }

        modes.Add(("als", PipelineMode.Als, null, f => -f[CandidateFeatures.AlsRank]));
        modes.Add(("ffm", PipelineMode.Ffm, null, f => -f[CandidateFeatures.FfmRank]));
        modes.Add(("popularity", PipelineMode.Popularity, null, f => f[CandidateFeatures.Popularity]));
        var scored = modes.Select(m => (m.Setting, m.Mode, m.Ranker, Ndcg: Ndcg(validation, validationGroups, m.Order, o.K))).ToList();
        var best = scored.MaxBy(m => m.Ndcg);
        trials.AddRange(scored.Select(m => new TuningTrial("mode", m.Setting, m.Ndcg, m.Setting == best.Setting)));
        Stage("choose");

        // Refit on all the training data with the chosen settings.
        var finalEase = ease is null ? null : EaseNeighbours.Fit(train, easeLambda, o.EaseNeighbours, cancellationToken);
        var finalAls = ImplicitAls.Fit(train, alsOptions, cancellationToken);
        Stage("refit ease, als");

        var (finalFfm, ffmRefitTime) = ffmRefit.GetAwaiter().GetResult();
        Stage("waiting for the ffm refit");
        stages.Add(new StageTime("refit ffm (beside the stages above)", ffmRefitTime));
        var model = new PipelineModel(train.Items, best.Mode, finalFfm.Model, finalAls, alsOptions, finalEase, Popularity(train), recentPopularity,
            best.Ranker, o.CandidatesPerGenerator);
        parameters["mode"] = best.Mode.ToString().ToLowerInvariant();
        parameters["rankerTrees"] = (best.Ranker?.TreeCount ?? 0).ToString(CultureInfo.InvariantCulture);
        parameters["rankerRows"] = rows.Count.ToString(CultureInfo.InvariantCulture);
        parameters["rankerListeners"] = group.ToString(CultureInfo.InvariantCulture);
        parameters["easeLambda"] = ease is null ? "not trained" : easeLambda.ToString(CultureInfo.InvariantCulture);
        parameters["alsLambda"] = alsOptions.Regularization.ToString(CultureInfo.InvariantCulture);
        parameters["alsAlpha"] = alsOptions.Alpha.ToString(CultureInfo.InvariantCulture);
        parameters["alsFactors"] = alsOptions.Factors.ToString(CultureInfo.InvariantCulture);
        parameters["ffmNegativeSamplingExponent"] = ffmOptions.NegativeSamplingExponent.ToString(CultureInfo.InvariantCulture);
        parameters["ffmLambdaLatent"] = ffmOptions.LambdaLatent.ToString(CultureInfo.InvariantCulture);
        parameters["ffmEpochs"] = ffmEpochs.ToString(CultureInfo.InvariantCulture);
        parameters["candidatesPerGenerator"] = o.CandidatesPerGenerator.ToString(CultureInfo.InvariantCulture);
        return new PipelineTrainingResult(model, finalFfm with { Epochs = ffmResult.Epochs, BestEpoch = ffmResult.BestEpoch, ValidationNdcg = ffmResult.ValidationNdcg }, parameters, stages, trials)
        {
            Elapsed = timeProvider.GetElapsedTime(begin),
            EaseLambda = ease is null ? null : easeLambda,
        };
    }

    /// <summary>log(1 + listeners) per song.</summary>
    public static float[] Popularity(InteractionData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var result = new float[data.ItemCount];
        var counts = data.ItemCounts;
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = MathF.Log(1 + counts[i]);
        }

        return result;
    }

    private (ItemNeighbours? Model, double Lambda) TuneEase(InteractionData fit, InteractionData validation, PipelineTrainingOptions o,
        List<TuningTrial> trials, CancellationToken cancellationToken)
    {
        if (!EaseNeighbours.Applies(fit) || o.EaseLambdas.Count == 0)
        {
            trials.Add(new TuningTrial("ease", $"not trained: more than {EaseNeighbours.MaxDenseDimension} listeners and songs", double.NaN, false));
            return (null, 0);
        }

        // λ is chosen with exact EASE scores (cheap through the dual); only the chosen λ is pruned into neighbours.
        var results = o.EaseLambdas.Select(lambda =>
        {
            var exact = Ease.Fit(fit, lambda, EaseNeighbours.MaxDenseDimension, cancellationToken);
            return (Lambda: lambda, Ndcg: Ndcg(fit, validation, o.K, exact.Scorer, cancellationToken));
        }).ToList();
        var best = results.MaxBy(r => r.Ndcg);
        trials.AddRange(results.Select(r => new TuningTrial("ease", string.Create(CultureInfo.InvariantCulture, $"λ {r.Lambda}"), r.Ndcg, r.Lambda == best.Lambda)));
        return (EaseNeighbours.Fit(fit, best.Lambda, o.EaseNeighbours, cancellationToken), best.Lambda);
    }

    private (FactorModel Model, ImplicitAlsOptions Options) TuneAls(InteractionData fit, InteractionData validation, PipelineTrainingOptions o,
        List<TuningTrial> trials, CancellationToken cancellationToken)
    {
        var results = o.AlsGrid.Select(setting =>
        {
            var options = new ImplicitAlsOptions
            {
                Factors = o.AlsFactors,
                Iterations = o.AlsIterations,
                Regularization = setting.Lambda,
                Alpha = setting.Alpha,
                Seed = o.Seed,
            };
            var model = ImplicitAls.Fit(fit, options, cancellationToken);
            var foldIn = new AlsFoldIn(model, options);
            return (Model: model, Options: options, Ndcg: Ndcg(fit, validation, o.K, (user, scores) =>
                TopKScorer.ScoreAll(model, foldIn.FoldIn(fit.ItemsOf(user), fit.WeightsOf(user)), scores), cancellationToken));
        }).ToList();
        var best = results.MaxBy(r => r.Ndcg);
        trials.AddRange(results.Select(r => new TuningTrial("als",
            string.Create(CultureInfo.InvariantCulture, $"λ {r.Options.Regularization}, α {r.Options.Alpha}"), r.Ndcg, ReferenceEquals(r.Model, best.Model))));
        return (best.Model, best.Options);
    }

    private (FfmTrainingResult Model, FfmTrainingOptions Options, int Epochs) TuneFfm(InteractionData fit, InteractionData validation, PipelineTrainingOptions o,
        List<TuningTrial> trials, CancellationToken cancellationToken)
    {
        // Side by side on small data; one at a time above ParallelFfmInteractions, where each fit holds gigabytes.
        var parallelism = fit.Count <= ParallelFfmInteractions ? 2 : 1;
        var results = o.FfmGrid.AsParallel().AsOrdered().WithDegreeOfParallelism(parallelism).WithCancellation(cancellationToken).Select(setting =>
        {
            var options = o.Ffm with { NegativeSamplingExponent = setting.Exponent, LambdaLatent = setting.Lambda, Seed = o.Seed, AllowWarmStart = false };
            var trained = ffmTrainer.Train(fit, options, previous: null, progress: null, validation: o.Ffm.EarlyStoppingPatience > 0 ? validation : null, cancellationToken);
            var model = trained.Model;
            var foldIn = new UserFoldIn(model);
            var epochs = trained.BestEpoch > 0 ? trained.BestEpoch : trained.Epochs;
            return (Model: trained, Options: options, Epochs: epochs, Ndcg: Ndcg(fit, validation, o.K, (user, scores) =>
                TopKScorer.ScoreAll(model, foldIn.FoldIn(fit.ItemsOf(user), fit.WeightsOf(user)).Vector, scores), cancellationToken));
        }).ToList();
        var best = results.MaxBy(r => r.Ndcg);
        trials.AddRange(results.Select(r => new TuningTrial("ffm",
            string.Create(CultureInfo.InvariantCulture, $"negatives ∝ count^{r.Options.NegativeSamplingExponent}, λ {r.Options.LambdaLatent}, {r.Epochs} epochs"),
            r.Ndcg, ReferenceEquals(r.Model, best.Model))));
        return (best.Model, best.Options, best.Epochs);
    }

    private double Ndcg(InteractionData fit, InteractionData validation, int k, UserScorer scorer, CancellationToken cancellationToken) =>
        RankingEvaluator.Evaluate("validation", fit, validation, scorer, k, timeProvider, cancellationToken: cancellationToken).Ndcg;

    /// <summary>Mean NDCG@K over listeners of their candidates ordered by <paramref name="order"/> (binary gains, ideal from all held-out songs).</summary>
    private static double Ndcg(List<RankerRow> rows, List<(int Start, int Count, int HeldOut)> groups, Func<float[], double> order, int k)
    {
        if (groups.Count == 0)
        {
            return 0;
        }

        var total = 0.0;
        foreach (var (start, count, heldOut) in groups)
        {
            var ranked = Enumerable.Range(start, count).OrderByDescending(r => order(rows[r].Features)).ThenBy(r => r).Take(k).ToArray();
            var dcg = 0.0;
            for (var r = 0; r < ranked.Length; r++)
            {
                dcg += rows[ranked[r]].Label / Math.Log2(r + 2);
            }

            var ideal = 0.0;
            for (var r = 0; r < Math.Min(k, heldOut); r++)
            {
                ideal += 1 / Math.Log2(r + 2);
            }

            total += dcg / ideal;
        }

        return total / groups.Count;
    }
}
