using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Model;
using Resso.Ml.Ranking;
using Resso.Ml.Scoring;
using Resso.Ml.Serving;
using Resso.Ml.Store;
using Resso.Ml.Training;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Privacy;
using Resso.Shared.Telemetry;

namespace Resso.Ml.Pipeline;

/// <summary>What a training request came to.</summary>
/// <param name="Trained">A candidate was trained (see <paramref name="Manifest"/> for the decision).</param>
/// <param name="Reason">Why not, when not.</param>
/// <param name="Manifest">The candidate's manifest, with the publish decision.</param>
public sealed record TrainingOutcome(bool Trained, string Reason, ModelManifest? Manifest);

/// <summary>
/// Trains a candidate from the counted events and publishes it if it holds up: one instance at a
/// time (a blob lease); events weighed by action and recency; a held-out slice that is stable across
/// retrains (<see cref="InteractionSplitter.SplitStable"/>); the two-stage pipeline trained from
/// scratch on the rest (<see cref="PipelineTrainer"/>); candidate and current model ranked on the same
/// slice as serving ranks (listeners placed from their training songs); published unless
/// <see cref="PublishGuard"/> finds it significantly worse. Either way the version, its manifest and
/// the decision are kept.
/// </summary>
public sealed class TrainingService(
    InteractionStore interactions,
    ModelStore store,
    ModelRefresher refresher,
    FfmTrainer trainer,
    IOptions<RecommenderOptions> options,
    IOptions<IngestionOptions> ingestion,
    RessoMetrics metrics,
    ErasureMarkers erasures,
    TimeProvider timeProvider,
    ILogger<TrainingService> logger)
{
    /// <summary>The cut-off of the publish guard's metric.</summary>
    public const int K = 10;

    /// <summary>Trains if there is reason to; <paramref name="onlyIfNewEvents"/> requires <see cref="RecommenderOptions.MinNewEvents"/> new events.</summary>
    public async Task<TrainingOutcome> TrainAsync(string trigger, bool onlyIfNewEvents, CancellationToken cancellationToken = default)
    {
        // The trigger's text may carry a requester's reason: the span and the metric get its kind only.
        var triggerKind = trigger == "timer" ? "timer" : "request";
        using var activity = RessoTelemetry.ActivitySource.StartActivity("train model");
        activity?.SetTag(RessoTelemetry.Tags.Trigger, triggerKind);
        var started = timeProvider.GetTimestamp();
        await using var lease = await store.TryAcquireTrainingLeaseAsync(cancellationToken);
        if (lease is null)
        {
            activity?.SetTag(RessoTelemetry.Tags.Outcome, "skipped");
            return Skip(trigger, "another instance is training");
        }

        var (currentManifest, currentModel, currentPipeline) = await LoadCurrentAsync(cancellationToken);
        // Users erased since their rows were read (an erasure sweeps the rows too, but may be under way) are left out.
        await erasures.RefreshAsync(cancellationToken);
        var events = new List<SongUsedEvent>();
        await foreach (var e in interactions.ReadAllEventsAsync(cancellationToken))
        {
            if (!erasures.IsErased(e.UserId))
            {
                events.Add(e);
            }
        }

        if (events.Count == 0)
        {
            activity?.SetTag(RessoTelemetry.Tags.Outcome, "skipped");
            return Skip(trigger, "no events yet");
        }

        var fresh = events.Count - (currentManifest?.Data.Events ?? 0);
        if (onlyIfNewEvents && currentManifest is not null && fresh < options.Value.MinNewEvents)
        {
            activity?.SetTag(RessoTelemetry.Tags.Outcome, "skipped");
            return Skip(trigger, $"{fresh} new events since model {currentManifest.Version}, fewer than {options.Value.MinNewEvents}");
        }

        var manifest = await Task.Run(() => TrainAndJudge(trigger, events, currentManifest, currentModel, currentPipeline, cancellationToken), cancellationToken);
        await store.SaveAsync(manifest.Manifest, manifest.Factors, manifest.MlNetModel, manifest.Pipeline, cancellationToken);
        if (manifest.Manifest.Decision.Published)
        {
            await store.PublishAsync(manifest.Manifest.Version, cancellationToken);
        }

        // A user erased while this training ran is in its factors: removed before instances load them.
        await erasures.RefreshAsync(cancellationToken);
        foreach (var erased in events.Select(e => e.UserId).Distinct(StringComparer.Ordinal).Where(erasures.IsErased))
        {
            await store.RemoveUserAsync(erased, cancellationToken);
        }

        if (manifest.Manifest.Decision.Published)
        {
            await refresher.RefreshAsync(cancellationToken);
        }

        var d = manifest.Manifest.Decision;
        var outcome = d.Published ? "published" : "refused";
        activity?.SetTag(RessoTelemetry.Tags.Outcome, outcome);
        metrics.TrainingDuration.Record(
            timeProvider.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>(RessoTelemetry.Tags.Outcome, outcome),
            new KeyValuePair<string, object?>(RessoTelemetry.Tags.Trigger, triggerKind));
        Log.PublishDecision(logger, manifest.Manifest.Version, d.Published ? "published" : "refused", d.CandidateNdcg, d.CurrentVersion ?? "none",
            d.CurrentNdcg?.ToString("F4", CultureInfo.InvariantCulture) ?? "-", d.Tolerance, d.Reason);
        return new TrainingOutcome(true, d.Reason, manifest.Manifest);
    }

    private (ModelManifest Manifest, byte[] Factors, byte[]? MlNetModel, byte[] Pipeline) TrainAndJudge(string trigger, List<SongUsedEvent> events,
        ModelManifest? currentManifest, FactorModel? currentModel, PipelineModel? currentPipeline, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = timeProvider.GetUtcNow();
        var weights = InteractionWeighting.Weigh(events, ingestion.Value.Weights, o.RecencyHalfLifeDays, now);

        // Seeding the builder with the current model's ids keeps their indices, so the current model is ranked on the same slice.
        var builder = currentModel is null ? new InteractionDataBuilder() : new InteractionDataBuilder(currentModel.Users.Where(u => !erasures.IsErased(u)), currentModel.Items);
        foreach (var ((user, song), weight) in weights)
        {
            builder.Add(user, song, weight);
        }

        var data = builder.Build();
        var users = events.Select(e => e.UserId).Distinct(StringComparer.Ordinal).Count();
        var songs = events.Select(e => e.SongId).Distinct(StringComparer.Ordinal).Count();
        Log.TrainingData(logger, trigger, events.Count, users, songs, weights.Count);

        // Held out by a hash of (user, song): the current model never trained on this slice, so the comparison is fair.
        var split = InteractionSplitter.SplitStable(data, o.HoldoutFraction, o.Seed);
        var pipelineOptions = o.PipelineOptions(K);
        var status = new Progress<string>(line => Log.TrainingStage(logger, line));

        // The held-out users that judge publishing never steer training: the pipeline tunes and ranks on its own split of the training part.
        var test = InteractionSplitter.SampleUsers(split.Test, o.MaxEvaluationUsers, o.Seed);
        var trained = new PipelineTrainer(trainer, timeProvider).Train(split.Train, pipelineOptions, RecentPopularity(events, split.Train), status, cancellationToken);
        var result = trained.Ffm;

        var candidate = RankingEvaluator.Evaluate("candidate", split.Train, test, trained.Model.Scorer(split.Train, K), K, timeProvider, cancellationToken: cancellationToken);
        var popularity = RankingEvaluator.Evaluate("most popular", split.Train, test, MostPopular.Fit(split.Train), K, timeProvider, cancellationToken: cancellationToken);
        var current = currentModel is null
            ? null
            : currentPipeline is not null
                ? RankingEvaluator.Evaluate("current", split.Train, test, currentPipeline.Scorer(split.Train, K), K, timeProvider, cancellationToken: cancellationToken)
                : Evaluate("current", currentModel, split.Train, test, cancellationToken);
        var decision = PublishGuard.Decide(candidate, current, currentManifest?.Version, o);
        var factors = FactorModelSerializer.ToBytes(result.Model);
        var pipeline = PipelineSerializer.ToBytes(trained.Model);
        byte[]? mlNetModel = null;
        if (result.HasMlNetModel)
        {
            using var zip = new MemoryStream();
            result.SaveMlNetModel(zip);
            mlNetModel = zip.ToArray();
        }

        var manifest = new ModelManifest(
            store.NewVersion(),
            timeProvider.GetUtcNow(),
            new DataWindow(events.Count, users, songs, weights.Count, events.Min(e => e.OccurredAt), events.Max(e => e.OccurredAt)),
            new Dictionary<string, string>(trained.Parameters)
            {
                ["latentDimension"] = o.LatentDimension.ToString(CultureInfo.InvariantCulture),
                ["epochs"] = o.Epochs.ToString(CultureInfo.InvariantCulture),
                ["epochsRun"] = result.Epochs.ToString(CultureInfo.InvariantCulture),
                ["bestEpoch"] = result.BestEpoch.ToString(CultureInfo.InvariantCulture),
                ["earlyStoppingPatience"] = o.EarlyStoppingPatience.ToString(CultureInfo.InvariantCulture),
                ["recencyHalfLifeDays"] = o.RecencyHalfLifeDays.ToString(CultureInfo.InvariantCulture),
                ["holdoutFraction"] = o.HoldoutFraction.ToString(CultureInfo.InvariantCulture),
                ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
                ["stages"] = string.Join(", ", trained.Stages.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {s.TrainTime.TotalSeconds:F1} s"))),
                ["validation"] = string.Join("; ", trained.Trials.Select(t =>
                    string.Create(CultureInfo.InvariantCulture, $"{t.Component} {t.Setting} {t.Ndcg:F4}{(t.Chosen ? " (chosen)" : "")}"))),
            },
            false,
            trained.Elapsed.TotalSeconds,
            new ModelMetrics(K, candidate.Users, candidate.Ndcg, candidate.Precision, candidate.Recall, candidate.Coverage, popularity.Ndcg),
            decision,
            Convert.ToHexStringLower(SHA256.HashData(factors)),
            trigger)
        {
            PipelineSha256 = Convert.ToHexStringLower(SHA256.HashData(pipeline)),
        };
        return (manifest, factors, mlNetModel, pipeline);
    }

    /// <summary>Ranks held-out users with <paramref name="model"/>, each folded in from their training songs, as serving does.</summary>
    internal RankingEvaluationResult Evaluate(string method, FactorModel model, InteractionData train, InteractionData test, CancellationToken cancellationToken)
    {
        var foldIn = new UserFoldIn(model);
        var toModel = new int[train.ItemCount];
        for (var item = 0; item < train.ItemCount; item++)
        {
            toModel[item] = model.Items.IndexOf(train.Items[item]);
        }

        void Score(int user, Span<float> scores)
        {
            var items = new List<int>();
            var weights = new List<float>();
            var trainItems = train.ItemsOf(user);
            var trainWeights = train.WeightsOf(user);
            for (var i = 0; i < trainItems.Length; i++)
            {
                if (toModel[trainItems[i]] >= 0)
                {
                    items.Add(toModel[trainItems[i]]);
                    weights.Add(trainWeights[i]);
                }
            }

            if (items.Count == 0)
            {
                scores.Fill(float.NegativeInfinity);
                return;
            }

            var vector = foldIn.FoldIn(items.ToArray(), weights.ToArray());
            var modelScores = new float[model.ItemCount];
            TopKScorer.ScoreAll(model, vector.Vector, modelScores);
            for (var item = 0; item < scores.Length; item++)
            {
                scores[item] = toModel[item] >= 0 ? modelScores[toModel[item]] : float.NegativeInfinity;
            }
        }

        return RankingEvaluator.Evaluate(method, train, test, Score, K, timeProvider, cancellationToken: cancellationToken);
    }

    private async Task<(ModelManifest?, FactorModel?, PipelineModel?)> LoadCurrentAsync(CancellationToken cancellationToken)
    {
        string? version = null;
        try
        {
            if (await store.GetCurrentAsync(cancellationToken) is not { } current)
            {
                return (null, null, null);
            }

            version = current.Pointer.Version;
            var manifest = await store.GetManifestAsync(version, cancellationToken);
            var factors = await store.LoadFactorsAsync(manifest, cancellationToken);
            return (manifest, factors, await store.LoadPipelineAsync(manifest, factors, cancellationToken));
        }
        catch (InvalidDataException ex)
        {
            // Publishing the candidate then replaces what cannot be read, the pointer included.
            Log.CurrentModelUnreadable(logger, ex, version ?? "(unreadable current.json)");
            return (null, null, null);
        }
    }

    /// <summary>log(1 + listeners) of each song in the last week of the events (the newest event is "now").</summary>
    private static float[] RecentPopularity(List<SongUsedEvent> events, InteractionData data)
    {
        var newest = events.Max(e => e.OccurredAt);
        var listeners = new HashSet<(string, string)>();
        foreach (var e in events)
        {
            if (e.OccurredAt > newest.AddDays(-7))
            {
                listeners.Add((e.SongId, e.UserId));
            }
        }

        var counts = new float[data.ItemCount];
        foreach (var (song, _) in listeners)
        {
            if (data.Items.TryGetIndex(song, out var item))
            {
                counts[item]++;
            }
        }

        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = MathF.Log(1 + counts[i]);
        }

        return counts;
    }

    private TrainingOutcome Skip(string trigger, string reason)
    {
        Log.TrainingSkipped(logger, trigger, reason);
        return new TrainingOutcome(false, reason, null);
    }
}
