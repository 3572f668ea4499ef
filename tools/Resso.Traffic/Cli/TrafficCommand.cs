using System.Globalization;
using Resso.Shared.Configuration;
using Resso.Traffic.Export;
using Resso.Traffic.Generation;
using Resso.Traffic.Sending;
using Resso.Traffic.Storage;

namespace Resso.Traffic.Cli;

/// <summary>The command line tool: parses options, sends the traffic, prints progress and a summary.</summary>
public sealed partial class TrafficCommand(TextWriter output, TextWriter error, TimeProvider time)
{
    /// <summary>Exit code: everything was sent.</summary>
    public const int Success = 0;

    /// <summary>Exit code: a batch failed, or the service refused the run.</summary>
    public const int Failure = 1;

    /// <summary>Exit code: the command line is wrong.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code: interrupted (Ctrl+C).</summary>
    public const int Interrupted = 130;

    private const int MaxErrorsShown = 10;

    /// <summary>Redraw the progress line in place (stderr is a terminal).</summary>
    public bool InteractiveProgress { get; init; }

    /// <summary>Where <c>local.settings.json</c> is looked for.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Reads an environment variable (replaceable in tests).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Makes the <c>--if-empty</c> check from a connection string and a prefix.</summary>
    public Func<string, string, IStorageEmptinessProbe> EmptinessProbe { get; init; } =
        static (connection, prefix) => InteractionsTableProbe.Create(connection, prefix);

    /// <summary>Retry timing of HTTP requests.</summary>
    public HttpRetryOptions HttpRetry { get; init; } = new();

    /// <summary>Runs the command; returns the exit code.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        CommandOptions options;
        TrafficGenerator generator;
        try
        {
            options = CommandLine.Parse(args);
            if (options.Help)
            {
                await output.WriteLineAsync(CommandLine.Usage);
                return Success;
            }

            generator = new TrafficGenerator(options.Traffic, time);
        }
        catch (Exception ex) when (ex is UsageException or ArgumentException)
        {
            await error.WriteLineAsync("error: " + ex.Message);
            await error.WriteLineAsync("Run with --help for usage.");
            return UsageError;
        }

        if (options.Command == CommandKind.Export)
        {
            return await ExportAsync(options, generator, cancellationToken);
        }

        if (options.Command == CommandKind.Demo)
        {
            return await DemoAsync(options, generator, cancellationToken);
        }

        var stats = new TrafficStats();
        var started = time.GetTimestamp();
        await using var progress = new ProgressReporter(error, time, InteractiveProgress, options.Progress);
        var errorsShown = 0;
        void ReportError(string message)
        {
            var shown = Interlocked.Increment(ref errorsShown);
            if (shown <= MaxErrorsShown)
            {
                progress.WriteLine("error: " + message);
            }
            else if (shown == MaxErrorsShown + 1)
            {
                progress.WriteLine("error: … further errors are counted but not shown.");
            }
        }

        var description = options.Target.ToString().ToLowerInvariant();
        long? sendingStarted = null;
        BacklogWait? drained = null;
        TimeSpan Sending() => sendingStarted is { } at ? time.GetElapsedTime(at) : TimeSpan.Zero;
        try
        {
            // Made here, whatever the target, so that each is disposed on every way out.
            using var handler = options.Target == TargetKind.Http
                ? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), MaxConnectionsPerServer = options.Concurrency }
                : null;
            using var client = handler is null ? null : new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
            await using var file = options.Target == TargetKind.File ? new FileEventTarget(options.Out!) : null;

            IEventTarget? target = options.Target switch
            {
                TargetKind.File => file,
                TargetKind.Queue => await CreateQueueTargetAsync(options, cancellationToken),
                _ => await PrepareHttpTargetAsync(options, client!, progress, generator, stats, cancellationToken),
            };
            if (target is null)
            {
                return Success; // --if-empty found traffic already
            }

            description = target.Description;
            var runner = new TrafficRunner(target, stats) { BatchSize = options.Batch, Concurrency = options.Concurrency, OnError = ReportError };
            progress.Start("events", "events", options.Traffic.Events, () => new ProgressSnapshot(stats.Sent + stats.FailedEvents, stats.FailedEvents, stats.Retries));
            sendingStarted = time.GetTimestamp();
            await runner.RunAsync(generator.Generate(), cancellationToken);
            if (options.Wait && stats.Sent > 0)
            {
                await progress.DisposeAsync();
                var waiter = new BacklogWaiter(new HealthBacklogSource(client!, options.Url), time, Progress(options)) { PollInterval = BacklogPollInterval };
                drained = await waiter.WaitAsync(options.WaitTimeout, cancellationToken);
                if (drained.Result == BacklogWaitResult.NotReported)
                {
                    await error.WriteLineAsync($"note: GET {ApiRoutes.Health(options.Url).AbsolutePath} reports no queue depths, so the end of processing cannot be seen; the figures below are what was enqueued.");
                }
            }
        }
        catch (Exception ex) when (ex is UsageException or RessoConfigurationException)
        {
            await error.WriteLineAsync("error: " + ex.Message);
            await error.WriteLineAsync("Run with --help for usage.");
            return UsageError;
        }
        catch (TrafficAbortedException ex)
        {
            progress.WriteLine("error: " + ex.Message);
            await progress.DisposeAsync();
            await WriteSummaryAsync(options, description + " (aborted)", stats, time.GetElapsedTime(started), Sending());
            return Failure;
        }
        catch (Exception ex) when (StorageErrors.Describe(ex) is { } problem)
        {
            progress.WriteLine("error: " + problem);
            return Failure;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            progress.WriteLine("error: " + ex.Message);
            return Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            progress.WriteLine("interrupted.");
            await progress.DisposeAsync();
            await WriteSummaryAsync(options, description + " (interrupted)", stats, time.GetElapsedTime(started), Sending());
            return Interrupted;
        }

        await progress.DisposeAsync();
        await WriteSummaryAsync(options, description, stats, time.GetElapsedTime(started), Sending(), drained);
        if (drained is { Result: BacklogWaitResult.TimedOut } late)
        {
            await error.WriteLineAsync("error: " + NotDrained(late, options.WaitTimeout));
            return Failure;
        }

        return stats.FailedBatches > 0 || stats.CatalogFailed > 0 ? Failure : Success;
    }

    /// <summary>Where periodic progress lines go: stderr, unless <c>--no-progress</c>.</summary>
    private Action<string> Progress(CommandOptions options) => options.Progress ? line => error.WriteLine(line) : static _ => { };

    /// <summary>Between two readings of the backlog (shorter in tests).</summary>
    public TimeSpan BacklogPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    private static string NotDrained(BacklogWait wait, TimeSpan timeout)
    {
        var state = wait.Last is { } last ? string.Create(CultureInfo.InvariantCulture, $"depth {last.Depth:N0} messages") : "no reading: " + wait.Problem;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"the song-used backlog did not drain within {timeout.TotalSeconds:0} s ({state}); the events stay queued and will still be counted. --wait-timeout waits longer.");
    }

    /// <summary>Writes the world, its interactions and its ground truth into the <c>--out</c> folder; no HTTP, no storage.</summary>
    private async Task<int> ExportAsync(CommandOptions options, TrafficGenerator generator, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(options.Out!);
        if (File.Exists(folder))
        {
            await error.WriteLineAsync($"error: --out {folder} is a file; export writes a folder of CSV files.");
            await error.WriteLineAsync("Run with --help for usage.");
            return UsageError;
        }

        if (!options.Force && WorldExporter.ExistingFiles(folder) is [var existing, ..])
        {
            await error.WriteLineAsync($"error: {existing} already exists; pass --force to replace it.");
            await error.WriteLineAsync("Run with --help for usage.");
            return UsageError;
        }

        var started = time.GetTimestamp();
        var exporter = new WorldExporter(generator);
        WorldExportSummary summary;
        await using (var progress = new ProgressReporter(error, time, InteractiveProgress, options.Progress))
        {
            progress.Start("export", "events", options.Traffic.Events, () => new ProgressSnapshot(exporter.EventsDrawn, 0, 0));
            try
            {
                summary = await exporter.WriteAsync(folder, options.Force, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                progress.WriteLine("interrupted; nothing written.");
                return Interrupted;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                progress.WriteLine("error: " + ex.Message);
                return Failure;
            }
        }

        string[] lines =
        [
            $"export              {folder}",
            $"world               {options.Traffic}",
            $"events generated    {summary.Events:N0}",
            $"duplicates dropped  {summary.Duplicates:N0} (the product counts an event id once)",
            $"{WorldExporter.InteractionsFile,-20}{summary.Interactions:N0} rows: {summary.InteractingUsers:N0} users × {summary.InteractedSongs:N0} songs",
            $"{WorldExporter.TruthFile,-20}{summary.Users:N0} users",
            $"{WorldExporter.SongsFile,-20}{summary.Songs:N0} songs",
            $"elapsed             {time.GetElapsedTime(started).TotalSeconds:0.00} s",
        ];
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }

        await output.FlushAsync(CancellationToken.None);
        return Success;
    }

    private async Task<IEventTarget> CreateQueueTargetAsync(CommandOptions options, CancellationToken cancellationToken)
    {
        var (connection, prefix) = Storage(options);
        var queue = QueueEventTarget.Create(connection, prefix);
        await queue.EnsureQueueExistsAsync(cancellationToken);
        return queue;
    }

    /// <summary>The HTTP target after the <c>--if-empty</c> check and the <c>--catalog</c> upload; null when the check says to send nothing.</summary>
    private async Task<IEventTarget?> PrepareHttpTargetAsync(
        CommandOptions options, HttpClient client, ProgressReporter progress, TrafficGenerator generator, TrafficStats stats, CancellationToken cancellationToken)
    {
        var http = new HttpEventTarget(client, options.Url, options.Key, time, HttpRetry);
        if (options.IfEmpty)
        {
            await http.CheckHealthAsync(cancellationToken);
            var (connection, prefix) = Storage(options);
            var probe = EmptinessProbe(connection, prefix);
            if (!await probe.IsEmptyAsync(cancellationToken))
            {
                progress.WriteLine($"{probe.Description} already holds traffic; --if-empty: nothing sent.");
                return null;
            }
        }

        if (options.Catalog)
        {
            var songs = generator.World.Songs;
            progress.Start("catalog", "songs", songs.Count, () => new ProgressSnapshot(stats.CatalogUpserted + stats.CatalogFailed, stats.CatalogFailed, 0));
            var uploader = new CatalogUploader(client, options.Url, options.Key, time, HttpRetry);
            await uploader.UploadAsync(songs, options.Concurrency, stats, progress.WriteLine, cancellationToken);
        }

        return http;
    }

    /// <summary>The storage connection and prefix: options first, then the app's settings.</summary>
    private (string Connection, string Prefix) Storage(CommandOptions options)
    {
        var settings = LocalStorageSettings.Read(WorkingDirectory, Environment);
        var connection = options.Connection ?? settings.ConnectionString
            ?? throw new UsageException(
                $"no storage connection: pass --connection, or set AzureWebJobsStorage in the environment or in local.settings.json in {WorkingDirectory}.");
        return (connection, options.Prefix ?? settings.Prefix ?? "");
    }

    // Throughput is over the sending of events alone: the health check, emptiness check and catalog upload come before it.
    private async Task WriteSummaryAsync(CommandOptions options, string target, TrafficStats stats, TimeSpan elapsed, TimeSpan sending, BacklogWait? drained = null)
    {
        var seconds = Math.Max(sending.TotalSeconds, 1e-6);
        var requestsLabel = options.Target switch
        {
            TargetKind.Queue => "messages sent",
            TargetKind.File => "lines written",
            _ => "requests sent",
        };
        var lines = new List<string>
        {
            $"target              {target}",
            $"world               {options.Traffic}",
            $"events generated    {stats.Generated:N0}",
            $"distinct events     {stats.Distinct:N0}",
            $"duplicates emitted  {stats.Duplicates:N0} ({(stats.Generated > 0 ? (double)stats.Duplicates / stats.Generated : 0):P1})",
            options.Target == TargetKind.File
                ? $"{requestsLabel,-20}{stats.Sent:N0}"
                : $"{requestsLabel,-20}{stats.Requests:N0}" + (stats.Retries > 0 ? $" ({stats.Retries:N0} retries)" : ""),
            options.Target == TargetKind.File ? $"events written      {stats.Sent:N0}" : $"events enqueued     {stats.Sent:N0}",
            $"failures            {stats.FailedBatches:N0} batches ({stats.FailedEvents:N0} events)",
        };
        if (options.Target == TargetKind.Http)
        {
            // What the service said it took: fewer than delivered means it refused some (or counts differently).
            lines.Insert(lines.Count - 1, $"accepted (server)   {(stats.Accepted is { } accepted ? accepted.ToString("N0", CultureInfo.InvariantCulture) : "n/a (no accepted count in the answers)")}");
        }

        if (options.Catalog)
        {
            lines.Add(stats.CatalogEndpointMissing
                ? "catalog songs       skipped: the service has no PUT /api/songs/{songId}"
                : $"catalog songs       {stats.CatalogUpserted:N0} upserted, {stats.CatalogFailed:N0} failed");
        }

        lines.Add(elapsed - sending > TimeSpan.FromMilliseconds(50)
            ? $"elapsed             {elapsed.TotalSeconds:0.00} s ({sending.TotalSeconds:0.00} s sending events)"
            : $"elapsed             {elapsed.TotalSeconds:0.00} s");
        lines.Add(options.Target == TargetKind.File
            ? $"throughput          {(stats.Sent + stats.FailedEvents) / seconds:N0} events/s"
            : $"enqueue rate        {(stats.Sent + stats.FailedEvents) / seconds:N0} events/s (sent, not yet counted)");
        if (drained is { Result: BacklogWaitResult.Drained })
        {
            // From the first send to the drain: what a user waits before the events show in every read.
            var endToEnd = sending + drained.Waited;
            lines.Add(stats.FailedBatches == 0
                ? $"counted             {stats.Distinct:N0} distinct events, {endToEnd.TotalSeconds:0.0} s after the first send"
                : $"counted             the delivered events ({stats.Sent:N0}, duplicates included), {endToEnd.TotalSeconds:0.0} s after the first send");
            lines.Add($"end to end          {stats.Sent / Math.Max(endToEnd.TotalSeconds, 1e-6):N0} events/s (sent until the song-used queue was empty)");
            if (drained.Last is { PoisonDepth: > 0 } poisoned)
            {
                lines.Add($"poison messages     {poisoned.PoisonDepth:N0} in {poisoned.Queue}-poison: some events were given up on");
            }
        }
        else if (drained is { Result: BacklogWaitResult.TimedOut })
        {
            lines.Add($"counted             not all: the backlog did not drain within {options.WaitTimeout.TotalSeconds:0} s");
        }

        var distinct = Math.Max(1, stats.Distinct);
        lines.Add("by action (distinct events)");
        lines.AddRange(stats.ByAction.Select(a => $"  {a.Key.ToString().ToLowerInvariant(),-10}{a.Value,10:N0}  {(double)a.Value / distinct,7:P1}"));
        lines.Add("by region (distinct events)");
        lines.AddRange(stats.ByRegion
            .OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => $"{r.Key} {r.Value,8:N0}")
            .Chunk(6)
            .Select(row => "  " + string.Join("   ", row)));
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }

        await output.FlushAsync(CancellationToken.None);
    }
}
