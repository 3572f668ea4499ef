using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Resso.Shared.Attribution;

/// <summary>
/// Writes served offers and clicks behind the response, so that recording never slows an offer or
/// a redirect: rows are queued in memory and written every quarter second in entity-group
/// transactions per partition; on shutdown everything queued is written. What is queued when the
/// process dies is lost (at most a quarter second of offers and clicks); the rows that decide money
/// — claims and conversions — are written before answering instead.
/// </summary>
public sealed class AnalyticsWriter(AttributionStore store, TimeProvider timeProvider, ILogger<AnalyticsWriter> logger) : BackgroundService
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentQueue<(TableClient Table, TableEntity Row)> _queue = new();

    /// <summary>Rows waiting to be written.</summary>
    public int Pending => _queue.Count;

    /// <summary>Queues an offer.</summary>
    public void Record(OfferRecord offer) => _queue.Enqueue((store.OffersTable, store.OfferRow(offer)));

    /// <summary>Queues a click (and its per-user index row).</summary>
    public void Record(ClickRecord click)
    {
        foreach (var row in store.ClickRows(click))
        {
            _queue.Enqueue(row);
        }
    }

    /// <summary>Writes everything queued now.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var rows = new List<(TableClient Table, TableEntity Row)>();
        while (_queue.TryDequeue(out var row))
        {
            rows.Add(row);
        }

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
                foreach (var row in batch.Rows)
                {
                    _queue.Enqueue((batch.Table, row));
                }

                Log.AnalyticsWriteFailed(logger, ex, batch.Rows.Count);
            }
        });
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
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }
}
