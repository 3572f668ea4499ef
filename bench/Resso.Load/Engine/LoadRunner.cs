using System.Net;
using Resso.Load.Scenarios;

namespace Resso.Load.Engine;

/// <summary>
/// A closed-loop HTTP load generator for a server on loopback: <see cref="LoadOptions.Connections"/>
/// workers each send requests back to back over their own keep-alive HTTP/1.1 connection, for a
/// warm-up that is not recorded, then for a fixed time or a fixed number of requests. A run always
/// ends by itself: nothing new is sent after the measured window, and whatever is still in flight
/// is abandoned once it has had the request timeout to finish.
/// </summary>
/// <param name="time">The clock; <see cref="TimeProvider.System"/> when null.</param>
public sealed class LoadRunner(TimeProvider? time = null)
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Runs <paramref name="scenario"/> with <paramref name="options"/> and returns what it measured.</summary>
    /// <param name="scenario">The requests to send.</param>
    /// <param name="options">How to send them.</param>
    /// <param name="progress">Told how far the run has got every <see cref="LoadOptions.ProgressInterval"/>.</param>
    /// <param name="cancellationToken">Stops the run early; the result then covers what was measured and says it was interrupted.</param>
    /// <exception cref="UsageException">The options or the scenario are invalid, or the address is not loopback.</exception>
    public async Task<LoadResult> RunAsync(
        Scenario scenario, LoadOptions options, IProgress<LoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var compiled = scenario.Compile(options.BaseAddress);

        using var handler = CreateHandler(options);
        // The handler without HttpClient's per-request timeout and cancellation bookkeeping: each worker times its own requests.
        using var client = new HttpMessageInvoker(handler, disposeHandler: false);

        var started = _time.GetTimestamp();
        var measureStart = started + Ticks(options.Warmup);
        var window = new RunWindow(_time, measureStart, measureStart + Ticks(options.Duration), options.Requests);
        using var hardStop = new CancellationTokenSource(options.Warmup + options.Duration + options.RequestTimeout + Grace, _time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, hardStop.Token);

        var workers = Enumerable.Range(0, options.Connections)
            .Select(i => new Worker(client, compiled, window, options.RequestTimeout, unchecked(options.Seed + i)))
            .ToArray();
        var running = Task.WhenAll(workers.Select(w => Task.Run(() => w.RunAsync(stop.Token), CancellationToken.None)));
        await ReportProgressAsync(running, workers, window, options, progress);
        await running;

        var ended = _time.GetTimestamp();
        var lastMeasured = workers.Max(w => w.LastMeasured);
        var countDone = options.Requests is { } n && workers.Sum(w => w.Stats.Sum(s => s.Requests)) >= n;
        // Cancelled while requests in flight after the window were draining: the window itself is complete.
        var interrupted = cancellationToken.IsCancellationRequested && !countDone && ended < window.MeasureEnd;
        var windowEnd = countDone ? lastMeasured : Math.Min(ended, window.MeasureEnd);

        var templates = compiled.Templates.Select((template, i) =>
        {
            var stats = new RequestStats();
            foreach (var worker in workers)
            {
                stats.Add(worker.Stats[i]);
            }

            return new TemplateResult(template.Template.DisplayName, template.Template, stats);
        }).ToList();
        var total = new RequestStats();
        foreach (var template in templates)
        {
            total.Add(template.Stats);
        }

        return new LoadResult
        {
            Scenario = scenario.Name,
            Options = options,
            Elapsed = windowEnd > measureStart ? _time.GetElapsedTime(measureStart, windowEnd) : TimeSpan.Zero,
            Interrupted = interrupted,
            WarmupRequests = workers.Sum(w => w.WarmupRequests),
            Total = total,
            Templates = templates,
        };
    }

    /// <summary>The handler of a run: one pool of up to <c>Connections</c> keep-alive connections, nothing between the client and the socket.</summary>
    internal static SocketsHttpHandler CreateHandler(LoadOptions options) => new()
    {
        MaxConnectionsPerServer = options.Connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        ConnectTimeout = options.RequestTimeout,
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        // No traceparent headers: the server should see the same bytes a plain client sends.
        ActivityHeadersPropagator = null,
    };

    private async Task ReportProgressAsync(Task running, Worker[] workers, RunWindow window, LoadOptions options, IProgress<LoadProgress>? progress)
    {
        if (progress is null)
        {
            return;
        }

        var started = window.MeasureStart - Ticks(options.Warmup);
        using var timer = new PeriodicTimer(options.ProgressInterval, _time);
        var tick = timer.WaitForNextTickAsync().AsTask();
        while (await Task.WhenAny(running, tick) == tick && await tick)
        {
            var now = _time.GetTimestamp();
            var measuring = now >= window.MeasureStart;
            progress.Report(new LoadProgress(
                measuring,
                _time.GetElapsedTime(measuring ? window.MeasureStart : started, now),
                workers.Sum(w => w.Measured),
                workers.Sum(w => w.Errors)));
            tick = timer.WaitForNextTickAsync().AsTask();
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}
