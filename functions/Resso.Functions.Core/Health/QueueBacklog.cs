using System.Collections.Concurrent;
using Azure.Storage.Queues;
using OpenTelemetry;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Health;

/// <summary>The backlog of the app's two queues, as <c>/api/health</c> reports it.</summary>
/// <param name="SongUsed">The events queue (<c>song-used</c>).</param>
/// <param name="ModelRetrain">The retrain requests queue (<c>model-retrain</c>).</param>
public sealed record QueuesHealth(QueueHealth SongUsed, QueueHealth ModelRetrain);

/// <summary>One queue's backlog.</summary>
/// <param name="Name">The queue's name, with the storage prefix.</param>
/// <param name="Depth">The queue's approximate message count: messages waiting and messages being processed (fetched, invisible until completed); 0 when everything sent has been processed. Null when it cannot be read.</param>
/// <param name="OldestMessageAgeSeconds">Age of the oldest visible message (peeked); null when no message is visible (none waiting, or all of them being processed) or when it cannot be read.</param>
/// <param name="PoisonDepth">Approximate message count of the queue's poison queue (<c>{name}-poison</c>); null when it cannot be read.</param>
/// <param name="ProcessingLagSeconds">On this instance, how long the most recent message it handled from the queue waited from insertion to the start of its handling; null when it has handled none since it started.</param>
/// <param name="Error">Why the figures cannot be read (type and status only); null when they were read.</param>
/// <param name="CheckedAt">When the figures were read (this instance's clock): health reuses them for a few seconds, so a caller waiting for the queue to drain after sending accepts only figures read after it sent.</param>
public sealed record QueueHealth(string Name, long? Depth, double? OldestMessageAgeSeconds, long? PoisonDepth, double? ProcessingLagSeconds, string? Error = null, DateTimeOffset? CheckedAt = null);

/// <summary>
/// How long messages waited before this instance handled them, by queue: recorded by the queue
/// handlers (<see cref="Hosting.IQueueHandler"/>), so both hosts' listeners (the self-host's and the
/// Functions queue trigger) report it alike.
/// </summary>
public sealed class QueueProcessingLag(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, double> _lastSeconds = new(StringComparer.Ordinal);

    /// <summary>Records that a message of <paramref name="queue"/> inserted at <paramref name="insertedOn"/> is being handled now.</summary>
    public void Record(string queue, DateTimeOffset? insertedOn)
    {
        if (insertedOn is { } inserted)
        {
            // Clocks of the storage service and this instance differ a little: never a negative lag.
            _lastSeconds[queue] = Math.Round(Math.Max(0, (timeProvider.GetUtcNow() - inserted).TotalSeconds), 1);
        }
    }

    /// <summary>The lag of the most recent message handled from <paramref name="queue"/>, in seconds; null before the first.</summary>
    public double? LastSeconds(string queue) => _lastSeconds.TryGetValue(queue, out var seconds) ? seconds : null;
}

/// <summary>
/// Reads the two queues' depth, oldest message and poison depth for health. Figures are reused for
/// <see cref="CacheFor"/> and concurrent callers share one read (as <see cref="StorageHealthProbe"/>
/// does), so a health endpoint polled by load balancers costs storage six requests every few
/// seconds at most; each read is bounded by <see cref="Timeout"/>, and a queue that cannot be read
/// reports its error instead of figures (kept only for <see cref="StorageHealthProbe.CacheFor"/>, so
/// that figures come back soon after storage does). It never throws.
/// </summary>
public sealed class QueueBacklogProbe(QueueServiceClient queues, StorageNames names, QueueProcessingLag lag, TimeProvider timeProvider)
{
    /// <summary>How long the figures are reused.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>How long reading one queue's figures may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private readonly Lock _gate = new();
    private Task<Figures>? _pending;
    private Figures? _last;
    private long _lastAt;

    /// <summary>The figures (cached, shared with concurrent callers) with this instance's processing lag.</summary>
    public async Task<QueuesHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        Task<Figures> figures;
        lock (_gate)
        {
            if (_last is { } last && timeProvider.GetElapsedTime(_lastAt) < (last.Failed ? StorageHealthProbe.CacheFor : CacheFor))
            {
                figures = Task.FromResult(last);
            }
            else
            {
                // Not cancelled by one caller: others may be waiting on the same read.
                if (_pending is null || _pending.IsCompleted)
                {
                    _pending = RefreshAsync();
                }

                figures = _pending.WaitAsync(cancellationToken);
            }
        }

        var (songUsed, modelRetrain) = await figures;
        return new QueuesHealth(
            songUsed with { ProcessingLagSeconds = lag.LastSeconds(names.SongUsedQueue) },
            modelRetrain with { ProcessingLagSeconds = lag.LastSeconds(names.ModelRetrainQueue) });
    }

    private async Task<Figures> RefreshAsync()
    {
        // The health check's own storage calls are not the app's work: no spans for them.
        using var suppress = SuppressInstrumentationScope.Begin();
        var songUsed = ReadAsync(names.SongUsedQueue);
        var modelRetrain = ReadAsync(names.ModelRetrainQueue);
        var figures = new Figures(await songUsed, await modelRetrain);
        lock (_gate)
        {
            (_last, _lastAt) = (figures, timeProvider.GetTimestamp());
        }

        return figures;
    }

    private async Task<QueueHealth> ReadAsync(string name)
    {
        using var timeout = new CancellationTokenSource(Timeout, timeProvider);
        var checkedAt = timeProvider.GetUtcNow();
        try
        {
            var queue = queues.GetQueueClient(name);
            var depth = queue.GetPropertiesAsync(timeout.Token);
            var oldest = queue.PeekMessagesAsync(1, timeout.Token);
            var poison = queues.GetQueueClient(name + StorageNames.PoisonSuffix).GetPropertiesAsync(timeout.Token);
            await Task.WhenAll(depth, oldest, poison);
            var peeked = (await oldest).Value;
            double? age = peeked is [{ InsertedOn: { } inserted }, ..]
                ? Math.Round(Math.Max(0, (timeProvider.GetUtcNow() - inserted).TotalSeconds), 1)
                : null;
            return new QueueHealth(name, (await depth).Value.ApproximateMessagesCount, age, (await poison).Value.ApproximateMessagesCount, null, CheckedAt: checkedAt);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new QueueHealth(name, null, null, null, null, $"no answer within {Timeout.TotalSeconds:0} s", checkedAt);
        }
        catch (Exception ex)
        {
            return new QueueHealth(name, null, null, null, null, StorageHealthProbe.Describe(ex), checkedAt);
        }
    }

    private sealed record Figures(QueueHealth SongUsed, QueueHealth ModelRetrain)
    {
        public bool Failed => SongUsed.Error is not null || ModelRetrain.Error is not null;
    }
}
