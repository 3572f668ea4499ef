using Resso.Shared.Events;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Sending;

/// <summary>Cuts generated events into batches and sends them to a target, several at once, counting as it goes.</summary>
public sealed class TrafficRunner(IEventTarget target, TrafficStats stats)
{
    /// <summary>Events per batch (the API takes at most 500).</summary>
    /// <value>500.</value>
    public int BatchSize { get; init; } = 500;

    /// <summary>Batches in flight at once (at most the target's <see cref="IEventTarget.MaxConcurrency"/>).</summary>
    /// <value>4.</value>
    public int Concurrency { get; init; } = 4;

    /// <summary>Told why each batch that failed did.</summary>
    public Action<string>? OnError { get; init; }

    /// <summary>Sends every event of <paramref name="events"/>; failed batches are counted, not thrown.</summary>
    /// <exception cref="TrafficAbortedException">The target refused the run as a whole.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task RunAsync(IEnumerable<GeneratedEvent> events, CancellationToken cancellationToken = default)
    {
        await Parallel.ForEachAsync(
            Batches(events),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Math.Min(Concurrency, target.MaxConcurrency)), CancellationToken = cancellationToken },
            async (batch, ct) =>
            {
                BatchResult result;
                try
                {
                    result = await target.SendAsync(batch, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not TrafficAbortedException)
                {
                    result = new BatchResult(batch.Length, 0, 0, null, ex.Message);
                }

                stats.RecordBatch(result);
                if (result.Error is { } error)
                {
                    OnError?.Invoke(error);
                }
            });
    }

    // Parallel.ForEachAsync draws from this enumerator under a lock, one batch at a time.
    private IEnumerable<SongUsedEvent[]> Batches(IEnumerable<GeneratedEvent> events)
    {
        var size = Math.Max(1, BatchSize);
        var batch = new List<SongUsedEvent>(size);
        foreach (var generated in events)
        {
            stats.RecordGenerated(generated);
            batch.Add(generated.Event);
            if (batch.Count == size)
            {
                yield return [.. batch];
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            yield return [.. batch];
        }
    }
}
