using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Resso.Shared.Events;
using Resso.Shared.Privacy;
using Resso.Shared.Storage;

namespace Resso.Shared.Ingestion;

/// <summary>
/// Users' events, each counted exactly once. Users are spread over
/// <see cref="IngestionOptions.UserPartitions"/> partitions by a stable hash; a counted event is one
/// row (<c>e|user|eventId</c>) holding its data and the id of the queue message that counted it,
/// inserted (never upserted) in entity-group transactions of up to 100 events of one partition. The
/// insert is the exactly-once gate: a repeat of the event cannot be inserted again, and a
/// transaction counts all of its events or none, whatever fails between storage calls. No row is
/// read on the way in unless an insert collides; interactions are aggregated per user and song
/// on the way out.
/// </summary>
public sealed class InteractionStore(TableServiceClient tables, StorageNames names, IOptions<IngestionOptions> options, TimeProvider timeProvider)
{
    /// <summary>Actions in one entity-group transaction, the service's limit.</summary>
    public const int MaxTransactionActions = 100;

    // A filter may hold 15 comparisons: the partition key and 14 row keys.
    private const int RowKeysPerQuery = 14;
    private const int MaxAttempts = 8;

    private readonly TableClient _table = tables.GetTableClient(names.InteractionsTable);

    /// <summary>
    /// Counts <paramref name="events"/> for message <paramref name="messageId"/> and returns the events this
    /// message counted, now or in an earlier delivery: the same set however often it is called. Events
    /// already counted by another message (duplicates) are left out.
    /// </summary>
    public async Task<IReadOnlyList<SongUsedEvent>> ApplyAsync(string messageId, IReadOnlyList<SongUsedEvent> events, CancellationToken cancellationToken = default)
    {
        var batches = events
            .DistinctBy(e => (e.UserId, e.EventId))
            .GroupBy(e => TableKeys.UserPartition(e.UserId, options.Value.UserPartitions))
            .SelectMany(p => p.Chunk(MaxTransactionActions).Select(chunk => (Partition: p.Key, Events: chunk)))
            .ToList();
        var owned = new List<SongUsedEvent>[batches.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, batches.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) => owned[i] = await InsertAsync(batches[i].Partition, messageId, [.. batches[i].Events], ct));
        return [.. owned.SelectMany(o => o)];
    }

    private async Task<List<SongUsedEvent>> InsertAsync(string partition, string messageId, List<SongUsedEvent> pending, CancellationToken cancellationToken)
    {
        var owned = new List<SongUsedEvent>();
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            var now = timeProvider.GetUtcNow();
            try
            {
                await _table.SubmitTransactionAsync(
                    pending.Select(e => new TableTransactionAction(TableTransactionActionType.Add, UserSongInteraction.ToRow(partition, e, messageId, now))),
                    cancellationToken);
                owned.AddRange(pending);
                break;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409 && attempt < MaxAttempts)
            {
                // Some events are counted already: by an earlier delivery of this message (ours), or by
                // another message (duplicates). Read who counted them and insert only the rest.
                var existing = await ReadRowsAsync(partition, pending.Select(e => TableKeys.EventRow(e.UserId, e.EventId)), cancellationToken);
                var fresh = new List<SongUsedEvent>();
                foreach (var e in pending)
                {
                    if (!existing.TryGetValue(TableKeys.EventRow(e.UserId, e.EventId), out var row))
                    {
                        fresh.Add(e);
                    }
                    else if (row.GetString("MessageId") == messageId)
                    {
                        owned.Add(e);
                    }
                }

                pending = fresh;
            }
        }

        return owned;
    }

    private async Task<Dictionary<string, TableEntity>> ReadRowsAsync(string partition, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        var queries = rowKeys.Distinct().Chunk(RowKeysPerQuery).Select(async chunk =>
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}") + " and ("
                + string.Join(" or ", chunk.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}"))) + ")";
            var found = new List<TableEntity>();
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, select: ["RowKey", "MessageId"], cancellationToken: cancellationToken))
            {
                found.Add(entity);
            }

            return found;
        });
        var results = await Task.WhenAll(queries);
        return results.SelectMany(r => r).ToDictionary(e => e.RowKey, StringComparer.Ordinal);
    }

    /// <summary>The counted events of <paramref name="userId"/>.</summary>
    public async Task<IReadOnlyList<SongUsedEvent>> GetUserEventsAsync(string userId, CancellationToken cancellationToken = default)
    {
        var (from, to) = TableKeys.EventRange(userId);
        var partition = TableKeys.UserPartition(userId, options.Value.UserPartitions);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey lt {to}");
        var result = new List<SongUsedEvent>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(UserSongInteraction.FromRow(row));
        }

        return result;
    }

    /// <summary>
    /// The counted events of <paramref name="userId"/> as stored, page by page: each with the queue
    /// message that counted it and when (which locate its event-log blob).
    /// </summary>
    public async IAsyncEnumerable<CountedEvent> ReadUserRowsAsync(string userId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (from, to) = TableKeys.EventRange(userId);
        var partition = TableKeys.UserPartition(userId, options.Value.UserPartitions);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey lt {to}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return new CountedEvent(UserSongInteraction.FromRow(row), row.GetString("MessageId") ?? "", row.GetDateTimeOffset("CountedAt") ?? default);
        }
    }

    /// <summary>Deletes every counted event of <paramref name="userId"/>; returns how many.</summary>
    public async Task<int> DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var (from, to) = TableKeys.EventRange(userId);
        var partition = TableKeys.UserPartition(userId, options.Value.UserPartitions);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey lt {to}");
        return await DeleteWhereAsync(filter, cancellationToken);
    }

    /// <summary>
    /// Deletes counted events counted before <paramref name="cutoff"/> (a scan of the table);
    /// returns how many. Training reads these rows, so it learns from nothing older afterwards.
    /// </summary>
    public async Task<int> DeleteCountedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var (from, to) = TableKeys.AllEventsRange;
        return await DeleteWhereAsync(TableClient.CreateQueryFilter($"RowKey gt {from} and RowKey lt {to} and CountedAt lt {cutoff}"), cancellationToken);
    }

    // A page of keys at a time, so that memory stays bounded however many rows match.
    private async Task<int> DeleteWhereAsync(string filter, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).AsPages())
        {
            deleted += await TableBatches.DeleteAsync(_table, page.Values, cancellationToken);
        }

        return deleted;
    }

    /// <summary>Everything <paramref name="userId"/> did, per song.</summary>
    public async Task<IReadOnlyList<UserSongInteraction>> GetUserInteractionsAsync(string userId, CancellationToken cancellationToken = default) =>
        Aggregate(await GetUserEventsAsync(userId, cancellationToken));

    /// <summary>Events already read (e.g. by <see cref="GetUserEventsAsync"/>) per user and song, weighed as configured.</summary>
    public IReadOnlyList<UserSongInteraction> Aggregate(IEnumerable<SongUsedEvent> events) =>
        [.. UserSongInteraction.Aggregate(events, options.Value.Weights)];

    /// <summary>Every counted event (a full scan), for training and audits.</summary>
    public async IAsyncEnumerable<SongUsedEvent> ReadAllEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (from, to) = TableKeys.AllEventsRange;
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey gt {from} and RowKey lt {to}"), cancellationToken: cancellationToken))
        {
            yield return UserSongInteraction.FromRow(row);
        }
    }

    /// <summary>Every user's interactions per song (a full scan, aggregated in memory).</summary>
    public async Task<IReadOnlyList<UserSongInteraction>> ReadAllInteractionsAsync(CancellationToken cancellationToken = default)
    {
        var events = new List<SongUsedEvent>();
        await foreach (var e in ReadAllEventsAsync(cancellationToken))
        {
            events.Add(e);
        }

        return [.. UserSongInteraction.Aggregate(events, options.Value.Weights)];
    }

    /// <summary>Distinct events counted so far (a full scan of keys only), for audits and tests.</summary>
    public async Task<long> CountEventsAsync(CancellationToken cancellationToken = default)
    {
        var (from, to) = TableKeys.AllEventsRange;
        long count = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey gt {from} and RowKey lt {to}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }
}

/// <summary>A counted event as stored.</summary>
/// <param name="Event">The event.</param>
/// <param name="MessageId">The queue message that counted it (its event-log blob is named after it).</param>
/// <param name="CountedAt">When it was counted.</param>
public sealed record CountedEvent(SongUsedEvent Event, string MessageId, DateTimeOffset CountedAt);
