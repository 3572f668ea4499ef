using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Resso.Shared.Events;
using Resso.Shared.Storage;

namespace Resso.Shared.Ingestion;

/// <summary>
/// Per-user song interactions with exactly-once counting. Users are spread over
/// <see cref="IngestionOptions.UserPartitions"/> partitions; in a user's partition, each processed
/// event leaves a marker row (<c>e|user|eventId</c>, naming the queue message that counted it) and
/// its effect on the aggregate row (<c>i|user|song</c>) in the same entity-group transaction. So an
/// event is counted with its marker or not at all, whatever fails between storage calls; a
/// redelivered message finds its markers and counts nothing twice.
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
        var partitions = events
            .DistinctBy(e => (e.UserId, e.EventId))
            .GroupBy(e => TableKeys.UserPartition(e.UserId, options.Value.UserPartitions))
            .ToList();
        var owned = new List<SongUsedEvent>[partitions.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, partitions.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) => owned[i] = await ApplyPartitionAsync(partitions[i].Key, messageId, [.. partitions[i]], ct));
        return [.. owned.SelectMany(o => o)];
    }

    private async Task<List<SongUsedEvent>> ApplyPartitionAsync(string partition, string messageId, List<SongUsedEvent> pending, CancellationToken cancellationToken)
    {
        var owned = new List<SongUsedEvent>();
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            var keys = pending.Select(e => TableKeys.EventMarkerRow(e.UserId, e.EventId))
                .Concat(pending.Select(e => TableKeys.InteractionRow(e.UserId, e.SongId)));
            var rows = await ReadRowsAsync(partition, keys, cancellationToken);

            var fresh = new List<SongUsedEvent>();
            foreach (var e in pending)
            {
                if (!rows.TryGetValue(TableKeys.EventMarkerRow(e.UserId, e.EventId), out var marker))
                {
                    fresh.Add(e);
                }
                else if (marker.GetString("MessageId") == messageId)
                {
                    owned.Add(e); // counted by an earlier delivery of this message
                }
            }

            if (fresh.Count == 0)
            {
                break;
            }

            var chunk = TakeTransactionChunk(fresh);
            try
            {
                await _table.SubmitTransactionAsync(BuildTransaction(partition, messageId, chunk, rows), cancellationToken);
                owned.AddRange(chunk);
                pending = fresh[chunk.Count..];
            }
            catch (TableTransactionFailedException ex) when ((ex.Status is 409 or 412) && attempt < MaxAttempts)
            {
                // Another delivery or instance wrote this partition since we read it: read again.
                pending = fresh;
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), timeProvider, cancellationToken);
            }
        }

        return owned;
    }

    /// <summary>The longest prefix of <paramref name="fresh"/> whose markers and aggregates fit in one transaction.</summary>
    private static List<SongUsedEvent> TakeTransactionChunk(List<SongUsedEvent> fresh)
    {
        var aggregates = new HashSet<(string, string)>();
        var chunk = new List<SongUsedEvent>();
        foreach (var e in fresh)
        {
            var added = aggregates.Add((e.UserId, e.SongId));
            if (chunk.Count + aggregates.Count > MaxTransactionActions)
            {
                if (added)
                {
                    aggregates.Remove((e.UserId, e.SongId));
                }

                break;
            }

            chunk.Add(e);
        }

        return chunk;
    }

    private List<TableTransactionAction> BuildTransaction(string partition, string messageId, List<SongUsedEvent> chunk, Dictionary<string, TableEntity> rows)
    {
        var actions = new List<TableTransactionAction>(chunk.Count * 2);
        var now = timeProvider.GetUtcNow();
        foreach (var e in chunk)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, TableKeys.EventMarkerRow(e.UserId, e.EventId))
            {
                ["MessageId"] = messageId,
                ["SongId"] = e.SongId,
                ["Action"] = e.Action.ToString(),
                ["OccurredAt"] = e.OccurredAt,
                ["CountedAt"] = now,
            }));
        }

        foreach (var group in chunk.GroupBy(e => TableKeys.InteractionRow(e.UserId, e.SongId)))
        {
            rows.TryGetValue(group.Key, out var existing);
            var entity = UserSongInteraction.Accumulate(existing, partition, group, options.Value.Weights);
            actions.Add(existing is null
                ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, existing.ETag));
        }

        return actions;
    }

    private async Task<Dictionary<string, TableEntity>> ReadRowsAsync(string partition, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        var queries = rowKeys.Distinct().Chunk(RowKeysPerQuery).Select(async chunk =>
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}") + " and ("
                + string.Join(" or ", chunk.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}"))) + ")";
            var found = new List<TableEntity>();
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                found.Add(entity);
            }

            return found;
        });
        var results = await Task.WhenAll(queries);
        return results.SelectMany(r => r).ToDictionary(e => e.RowKey, StringComparer.Ordinal);
    }

    /// <summary>Everything <paramref name="userId"/> did, per song.</summary>
    public async Task<IReadOnlyList<UserSongInteraction>> GetUserInteractionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        var (from, to) = TableKeys.InteractionRange(userId);
        var partition = TableKeys.UserPartition(userId, options.Value.UserPartitions);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey lt {to}");
        var result = new List<UserSongInteraction>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(UserSongInteraction.FromEntity(entity));
        }

        return result;
    }

    /// <summary>Every aggregate row, for training and audits (a full scan).</summary>
    public async IAsyncEnumerable<UserSongInteraction> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey gt {TableKeys.InteractionPrefix} and RowKey lt {"i|~"}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return UserSongInteraction.FromEntity(entity);
        }
    }

    /// <summary>Distinct events counted so far (a full scan of the markers), for audits and tests.</summary>
    public async Task<long> CountEventsAsync(CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey gt {TableKeys.EventMarkerPrefix} and RowKey lt {"e|~"}");
        long count = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }
}
