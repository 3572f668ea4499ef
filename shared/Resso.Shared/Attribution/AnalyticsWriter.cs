using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Azure.Data.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Resso.Shared.Attribution;

/// <summary>
/// Records served offers and clicks behind the response, so that recording never slows an offer or
/// a redirect. Offers are counted in memory per second, kind and attribution and appended to the
/// <see cref="OfferLog"/> every quarter second; follows queued here are written every quarter second
/// in entity-group transactions per partition. The link route writes a click's rows before it
/// redirects (<see cref="AttributionStore.RecordClickAsync"/>) and queues here only repeat follows and
/// the clicks whose write failed. On shutdown everything waiting is written. What waits when the
/// process dies is lost (at most a quarter second of offers and follows); the rows that decide
/// money — clicks, claims and conversions — are written before answering instead. While
/// storage is down or slower than the traffic, at most <see cref="MaxPending"/> rows (click rows
/// and offer log lines) wait in memory; beyond that new ones are dropped, counted in
/// <see cref="Dropped"/> and logged, rather than growing memory without bound.
/// </summary>
public sealed class AnalyticsWriter(AttributionStore store, OfferLog offerLog, TimeProvider timeProvider, ILogger<AnalyticsWriter> logger) : BackgroundService
{
    /// <summary>The default of <see cref="MaxPending"/>: at most about 150 MB of click rows (an offer log line takes a tenth of a row).</summary>
    public const int DefaultMaxPending = 100_000;

    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentQueue<(TableClient Table, TableEntity Row)> _queue = new();
    private readonly Lock _offerGate = new();
    private readonly SemaphoreSlim _offerFlushGate = new(1, 1);
    private readonly Queue<(DateTimeOffset Hour, byte[] Block, int Lines)> _offerBlocks = new();
    private Dictionary<(long Second, string Kind, AttributionKeys Keys), long> _offerCounts = [];
    private int _pending;
    private long _dropped;
    private long _droppedSinceLog;

    /// <summary>How many rows may wait in memory before new ones are dropped.</summary>
    public int MaxPending { get; init; } = DefaultMaxPending;

    /// <summary>Rows waiting to be written.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Click rows and offers dropped since start because <see cref="MaxPending"/> were waiting.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Counts an offer (by second, kind and attribution; the viewer is not kept).</summary>
    public void Record(OfferRecord offer)
    {
        var key = (offer.ServedAt.ToUnixTimeSeconds(), offer.Kind, offer.Keys.UserId is null ? offer.Keys : offer.Keys with { UserId = null });
        lock (_offerGate)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_offerCounts, key, out var counted);
            if (!counted && !Reserve(1))
            {
                _offerCounts.Remove(key);
                return;
            }

            count++;
        }
    }

    /// <summary>Queues a follow: a repeat, or a click whose write before the redirect failed (with its per-user index row).</summary>
    public void Record(ClickRecord click)
    {
        var rows = store.ClickRows(click).ToList();
        if (Reserve(rows.Count))
        {
            foreach (var row in rows)
            {
                _queue.Enqueue(row);
            }
        }
    }

    /// <summary>Writes everything waiting now.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _droppedSinceLog, 0) is > 0 and var dropped)
        {
            Log.AnalyticsRowsDropped(logger, dropped, MaxPending);
        }

        return Task.WhenAll(FlushOffersAsync(cancellationToken), FlushClicksAsync(cancellationToken));
    }

    private async Task FlushOffersAsync(CancellationToken cancellationToken)
    {
        await _offerFlushGate.WaitAsync(cancellationToken);
        try
        {
            Dictionary<(long Second, string Kind, AttributionKeys Keys), long> counts;
            lock (_offerGate)
            {
                counts = _offerCounts;
                _offerCounts = new(counts.Count);
            }

            var lines = counts.Select(c => new OfferCount(DateTimeOffset.FromUnixTimeSeconds(c.Key.Second), c.Key.Kind, c.Key.Keys, c.Value));
            foreach (var block in OfferLog.Encode(lines))
            {
                _offerBlocks.Enqueue(block);
            }

            // In order, one at a time: a block that fails stays first and is tried again next flush.
            while (_offerBlocks.TryPeek(out var next))
            {
                try
                {
                    await offerLog.AppendAsync(next.Hour, next.Block, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.AnalyticsWriteFailed(logger, ex, _offerBlocks.Sum(b => b.Lines));
                    return;
                }

                _offerBlocks.Dequeue();
                Interlocked.Add(ref _pending, -next.Lines);
            }
        }
        finally
        {
            _offerFlushGate.Release();
        }
    }

    private async Task FlushClicksAsync(CancellationToken cancellationToken)
    {
        var rows = new List<(TableClient Table, TableEntity Row)>();
        while (_queue.TryDequeue(out var row))
        {
            rows.Add(row);
        }

        Interlocked.Add(ref _pending, -rows.Count);
        var batches = rows.GroupBy(r => (r.Table.Name, r.Row.PartitionKey))
            .SelectMany(g => g.Chunk(100).Select(chunk => (chunk[0].Table, Rows: chunk.Select(c => c.Row).ToList())));
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (batch, ct) =>
        {
            try
            {
                await batch.Table.SubmitTransactionAsync(batch.Rows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Storage is down: keep the rows for the next flush rather than lose them now.
                Interlocked.Add(ref _pending, batch.Rows.Count);
                foreach (var row in batch.Rows)
                {
                    _queue.Enqueue((batch.Table, row));
                }

                Log.AnalyticsWriteFailed(logger, ex, batch.Rows.Count);
            }
        });
    }

    // Room for all of a record's rows, or none: a click is never half kept.
    private bool Reserve(int rows)
    {
        if (Interlocked.Add(ref _pending, rows) <= MaxPending)
        {
            return true;
        }

        Interlocked.Add(ref _pending, -rows);
        Interlocked.Add(ref _dropped, rows);
        Interlocked.Add(ref _droppedSinceLog, rows);
        return false;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FlushInterval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await FlushAsync(stoppingToken);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _offerFlushGate.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }
}
