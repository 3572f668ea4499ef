using System.Globalization;
using Resso.Shared.Configuration;
using Resso.Traffic.Generation;
using Resso.Traffic.Sending;
using Resso.Traffic.Storage;

namespace Resso.Traffic.Cli;

/// <summary><c>--demo</c>: readies a local run and prints where to start.</summary>
public sealed partial class TrafficCommand
{
    private static readonly TimeSpan DemoReportInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long the funnel step waits for the report to show its offers.</summary>
    private static readonly TimeSpan FunnelReportTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The chart the funnel's offers are spread over: the worldwide top songs of the last week.</summary>
    private const int FunnelSongs = 40;

    /// <summary>Between two polls of the service's health and model in <c>--demo</c> (shorter in tests).</summary>
    public TimeSpan DemoPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Waits for the service; seeds it (catalog and events) when its storage holds no events; waits
    /// until the events are counted; makes sure a model is published; rolls the catalog up; when it seeded,
    /// makes a funnel (offers, clicks, claims, conversions) as the apps would; prints the ready block on
    /// stdout. Progress goes to stderr; a failed step is one line there and exit code 1.
    /// </summary>
    private async Task<int> DemoAsync(CommandOptions options, TrafficGenerator generator, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.Key))
        {
            await error.WriteLineAsync("error: --demo needs --key: uploading the catalog, sending events and retraining are keyed.");
            await error.WriteLineAsync("Run with --help for usage.");
            return UsageError;
        }

        var step = "service";
        try
        {
            using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), MaxConnectionsPerServer = options.Concurrency };
            using var client = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
            var api = new ServiceApi(client, options.Url, options.Key, time, HttpRetry);

            await WaitForServiceAsync(api, options, cancellationToken);

            step = "storage";
            var (connection, prefix) = Storage(options);
            var probe = EmptinessProbe(connection, prefix);
            var seeded = await probe.IsEmptyAsync(cancellationToken);
            var stats = new TrafficStats();
            var sending = TimeSpan.Zero;
            if (seeded)
            {
                step = "seeding";
                sending = await SeedAsync(options, client, generator, stats, cancellationToken);
            }
            else
            {
                await Say($"{probe.Description} already holds events: not seeding, only making sure they are counted and a model is published.");
            }

            step = "counting";
            await WaitUntilCountedAsync(options, client, connection, prefix, seeded ? stats : null, sending, cancellationToken);

            step = "model";
            var (model, trainedNow) = await EnsureModelAsync(api, options, cancellationToken);

            step = "rollup";
            var rollup = await api.RollupAsync(cancellationToken);
            await Say(rollup is null
                ? "note: the service has no POST /api/catalog/rollup yet; top segments and neighbours come with its hourly roll-up."
                : string.Create(CultureInfo.InvariantCulture, $"catalog rolled up: {rollup.Songs:N0} songs, {rollup.Segments:N0} segments, {rollup.Neighbours:N0} neighbours in {rollup.DurationMs:N0} ms."));

            if (seeded && options.FunnelOffers > 0)
            {
                step = "funnel";
                await FunnelAsync(api, options, generator, cancellationToken);
            }

            step = "picks";
            // The #1 song is the service's, in the listener's region, as the first command will show it.
            var region = DemoPicks.From(generator).Region;
            var top = await api.TopTrendingAsync(region, cancellationToken);
            var picks = DemoPicks.From(generator, r => r == region ? top : null);
            var songDetails = await api.HasSongAsync(picks.Song.Id, cancellationToken);
            foreach (var line in ReadyBlock(options, model, rollup, picks, songDetails, trainedNow))
            {
                await output.WriteLineAsync(line);
            }

            await output.FlushAsync(CancellationToken.None);
            return Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("interrupted.");
            return Interrupted;
        }
        catch (Exception ex) when (ex is DemoStepException or TrafficAbortedException or UsageException or RessoConfigurationException
            or InvalidDataException or IOException)
        {
            await error.WriteLineAsync($"error: --demo step '{step}' failed: {ex.Message}");
            return Failure;
        }
        catch (Exception ex) when (StorageErrors.Describe(ex) is { } problem)
        {
            await error.WriteLineAsync($"error: --demo step '{step}' failed: {problem}");
            return Failure;
        }
    }

    /// <summary>
    /// The ready block: where the service is, what it holds, and five commands to try. The model's event count
    /// is "counted" when it was trained just now (on every event counted), else "when it was trained".
    /// </summary>
    internal static IEnumerable<string> ReadyBlock(CommandOptions options, ModelState model, RollupResult? rollup, DemoPicks picks, bool songDetails, bool trainedNow = true)
    {
        var root = ApiRoutes.Normalize(options.Url).ToString().TrimEnd('/');
        var songs = rollup?.Songs ?? model.Songs;
        var facts = new List<string> { "model " + model.Version };
        if (songs is { } songCount)
        {
            facts.Add(songCount.ToString("N0", CultureInfo.InvariantCulture) + (rollup is null ? " songs in the model" : " songs in use"));
        }

        if (model.Events is { } events)
        {
            facts.Add(events.ToString("N0", CultureInfo.InvariantCulture) + (trainedNow ? " events counted" : " events when it was trained"));
        }

        var song = picks.Song.Id;
        var user = picks.Listener.Id;
        var region = picks.Region;
        var video = picks.VideoId is null ? "" : "videoId=" + picks.VideoId + "&";
        return
        [
            $"Resso is ready: {root}  ({string.Join(", ", facts)})",
            $"  landing page   {root}/",
            $"  dashboard      {root}/dashboard/  (key: {options.Key})",
            $"  API reference  {root}/api/reference",
            $"  health         {root}/api/health",
            "Try these:",
            $"  curl -s '{root}/api/trending?region={region}&count=5'",
            songDetails ? $"  curl -s '{root}/api/songs/{song}'" : $"  curl -s '{root}/api/songs/{song}/similar?count=5'",
            $"  curl -s '{root}/api/songs/{song}/offer?{video}region={region}&platform=ios'",
            $"  curl -s '{root}/api/users/{user}/mixes' -H 'x-functions-key: {options.Key}'",
            $"  TOKEN=$(curl -s -X POST '{root}/api/dev/token?userId={user}'); curl -s '{root}/api/me/recommendations?count=5' -H \"Authorization: Bearer $TOKEN\"",
        ];
    }

    private Task Say(string message) => error.WriteLineAsync(message);

    private async Task WaitForServiceAsync(ServiceApi api, CommandOptions options, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var lastReport = started;
        while (await api.HealthProblemAsync(cancellationToken) is { } problem)
        {
            var waited = time.GetElapsedTime(started);
            if (waited >= options.WaitTimeout)
            {
                throw new DemoStepException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"GET {ApiRoutes.Health(options.Url)} did not answer 200 within {options.WaitTimeout.TotalSeconds:0} s (last: {problem}). Is the self-host running at --url?"));
            }

            if (options.Progress && time.GetElapsedTime(lastReport) >= DemoReportInterval)
            {
                lastReport = time.GetTimestamp();
                await Say(string.Create(CultureInfo.InvariantCulture, $"waiting for {ApiRoutes.Health(options.Url)} ({problem})  ({waited.TotalSeconds:0} s)"));
            }

            await Task.Delay(DemoPollInterval, time, cancellationToken);
        }
    }

    /// <summary>Uploads the catalog and sends the events; returns how long sending the events took.</summary>
    private async Task<TimeSpan> SeedAsync(CommandOptions options, HttpClient client, TrafficGenerator generator, TrafficStats stats, CancellationToken cancellationToken)
    {
        await using var progress = new ProgressReporter(error, time, InteractiveProgress, options.Progress);
        var songs = generator.World.Songs;
        progress.Start("catalog", "songs", songs.Count, () => new ProgressSnapshot(stats.CatalogUpserted + stats.CatalogFailed, stats.CatalogFailed, 0));
        var catalog = await new CatalogUploader(client, options.Url, options.Key, time, HttpRetry)
            .UploadAsync(songs, options.Concurrency, stats, progress.WriteLine, cancellationToken);
        if (catalog.Failed > 0)
        {
            throw new DemoStepException($"{catalog.Failed:N0} of {songs.Count:N0} songs could not be uploaded.");
        }

        var target = new HttpEventTarget(client, options.Url, options.Key, time, HttpRetry);
        var runner = new TrafficRunner(target, stats) { BatchSize = options.Batch, Concurrency = options.Concurrency, OnError = progress.WriteLine };
        progress.Start("events", "events", options.Traffic.Events, () => new ProgressSnapshot(stats.Sent + stats.FailedEvents, stats.FailedEvents, stats.Retries));
        var started = time.GetTimestamp();
        await runner.RunAsync(generator.Generate(), cancellationToken);
        var sending = time.GetElapsedTime(started);
        await progress.DisposeAsync();
        if (stats.FailedBatches > 0)
        {
            throw new DemoStepException($"{stats.FailedBatches:N0} batches ({stats.FailedEvents:N0} events) were not taken.");
        }

        await Say(string.Create(
            CultureInfo.InvariantCulture,
            $"enqueued {stats.Sent:N0} events ({stats.Distinct:N0} distinct) and {catalog.Upserted:N0} songs; {stats.Sent / Math.Max(sending.TotalSeconds, 1e-6):N0} events/s sent, not yet counted."));
        return sending;
    }

    /// <summary>Waits until the <c>song-used</c> queue is empty: read from the service's health, else straight from storage.</summary>
    private async Task WaitUntilCountedAsync(
        CommandOptions options, HttpClient client, string connection, string prefix, TrafficStats? sent, TimeSpan sending, CancellationToken cancellationToken)
    {
        var wait = await new BacklogWaiter(new HealthBacklogSource(client, options.Url), time, Progress(options)) { PollInterval = BacklogPollInterval }
            .WaitAsync(options.WaitTimeout, cancellationToken);
        if (wait.Result == BacklogWaitResult.NotReported)
        {
            await Say("note: GET /api/health reports no queue depths; reading the song-used queue from storage instead.");
            wait = await new BacklogWaiter(StorageQueueBacklogSource.Create(connection, prefix), time, Progress(options)) { PollInterval = BacklogPollInterval }
                .WaitAsync(options.WaitTimeout, cancellationToken);
        }

        if (wait.Result != BacklogWaitResult.Drained)
        {
            throw new DemoStepException(NotDrained(wait, options.WaitTimeout));
        }

        if (wait.Last is { PoisonDepth: > 0 } poisoned)
        {
            await Say($"warning: {poisoned.PoisonDepth:N0} messages are in {poisoned.Queue}-poison: some events were given up on.");
        }

        if (sent is not null)
        {
            var endToEnd = sending + wait.Waited;
            await Say(string.Create(
                CultureInfo.InvariantCulture,
                $"counted: {sent.Distinct:N0} distinct events, {endToEnd.TotalSeconds:0.0} s after the first send ({sent.Sent / Math.Max(endToEnd.TotalSeconds, 1e-6):N0} events/s end to end)."));
        }
    }

    /// <summary>The published model; when there is none, asks for a retrain and waits for one.</summary>
    private async Task<(ModelState Model, bool TrainedNow)> EnsureModelAsync(ServiceApi api, CommandOptions options, CancellationToken cancellationToken)
    {
        var model = await api.GetModelAsync(cancellationToken);
        if (model.Version is not null)
        {
            await Say($"model {model.Version} is published.");
            return (model, false);
        }

        var before = model.NotPublished;
        await Say("no model is published: POST /api/model/retrain, then waiting for the trainer…");
        await api.RequestRetrainAsync("demo: first model after seeding", cancellationToken);
        var started = time.GetTimestamp();
        var lastReport = started;
        while (true)
        {
            await Task.Delay(DemoPollInterval, time, cancellationToken);
            model = await api.GetModelAsync(cancellationToken);
            var waited = time.GetElapsedTime(started);
            if (model.Version is not null)
            {
                await Say(string.Create(CultureInfo.InvariantCulture, $"model {model.Version} published after {waited.TotalSeconds:0.0} s."));
                return (model, true);
            }

            if (model.CandidateRefused && model.NotPublished != before)
            {
                throw new DemoStepException("the trainer refused its candidate: " + model.NotPublished);
            }

            if (waited >= options.WaitTimeout)
            {
                throw new DemoStepException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"no model was published within {options.WaitTimeout.TotalSeconds:0} s of the retrain request (GET /api/model: {model.NotPublished})."));
            }

            if (options.Progress && time.GetElapsedTime(lastReport) >= DemoReportInterval)
            {
                lastReport = time.GetTimestamp();
                await Say(string.Create(CultureInfo.InvariantCulture, $"training  waiting for a published model  ({waited.TotalSeconds:0} s)"));
            }
        }
    }

    /// <summary>
    /// Makes the dashboard's funnel: <see cref="CommandOptions.FunnelOffers"/> offers over the service's top
    /// trending songs, some followed, claimed and converted (<see cref="FunnelPlan"/>); then waits, a bounded
    /// time, until the attribution report counts the offers (they are written behind the answers).
    /// </summary>
    private async Task FunnelAsync(ServiceApi api, CommandOptions options, TrafficGenerator generator, CancellationToken cancellationToken)
    {
        var chart = await api.TrendingAsync("7d", FunnelSongs, cancellationToken);
        if (chart.Count == 0)
        {
            await Say($"note: GET /api/trending?window=7d&count={FunnelSongs} has no songs yet: no funnel.");
            return;
        }

        IReadOnlyList<PlannedOffer> plan;
        try
        {
            plan = FunnelPlan.Draw(generator, [.. chart.Select(c => (c.SongId, c.Score))], options.FunnelOffers);
        }
        catch (ArgumentException)
        {
            throw new DemoStepException($"GET /api/trending?window=7d&count={FunnelSongs} answered {chart.Count} songs, none of them in the generator's world: nothing to offer.");
        }

        // A phone without the app: it is sent to the store, not taken there, and keeps no cookies.
        using var phoneHandler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = options.Concurrency };
        using var phone = new HttpClient(phoneHandler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        var started = time.GetTimestamp();
        var made = await new FunnelSender(api, phone, options.Traffic, time, options.Concurrency).SendAsync(plan, cancellationToken);
        await Say(string.Create(
            CultureInfo.InvariantCulture,
            $"funnel: {made.Offers:N0} offers, {made.Clicks:N0} clicks, {made.Claims:N0} claims, {made.Conversions:N0} conversions ({made.Trials:N0} trials) in {time.GetElapsedTime(started).TotalSeconds:0.0} s."));

        var waiting = time.GetTimestamp();
        while (true)
        {
            var report = await api.AttributionAsync(cancellationToken);
            if (report.Offers >= made.Offers)
            {
                return;
            }

            if (time.GetElapsedTime(waiting) >= FunnelReportTimeout)
            {
                await Say(string.Create(
                    CultureInfo.InvariantCulture,
                    $"note: after {FunnelReportTimeout.TotalSeconds:0} s the attribution report counts {report.Offers:N0} of the {made.Offers:N0} offers; the rest should show shortly."));
                return;
            }

            await Task.Delay(DemoPollInterval, time, cancellationToken);
        }
    }

    /// <summary>A <c>--demo</c> step could not be done; the message says why.</summary>
    private sealed class DemoStepException(string message) : Exception(message);
}
