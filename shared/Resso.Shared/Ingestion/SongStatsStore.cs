using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Resso.Shared.Events;
using Resso.Shared.Storage;

namespace Resso.Shared.Ingestion;

/// <summary>
/// Song statistics by region and hour, pre-aggregated per queue message: each message writes one
/// row per (region, song, hour) it counted, keyed by the message id. Rewriting the same message's
/// rows leaves them as they were, so statistics are exactly-once without markers of their own, and
/// a viral song adds one row per message, not one write per event. Partitions are
/// <c>{shard}|{yyyyMMdd}</c>, the shard chosen by the message: a message's rows go to one partition
/// per day it covers (one or two transactions), and a day spreads over
/// <see cref="IngestionOptions.StatsShards"/> partitions.
/// </summary>
public sealed class SongStatsStore(TableServiceClient tables, StorageNames names, IOptions<IngestionOptions> options)
{
    private readonly TableClient _table = tables.GetTableClient(names.SongStatsTable);

    /// <summary>Writes the statistics of the events <paramref name="messageId"/> counted.</summary>
    public async Task WriteAsync(string messageId, IReadOnlyList<SongUsedEvent> counted, CancellationToken cancellationToken = default)
    {
        var shard = (int)(TableKeys.StableHash(messageId) % (uint)options.Value.StatsShards);
        var rows = counted
            .GroupBy(e => (e.SongId, e.Region, Hour: Hour(e.OccurredAt)))
            .Select(g => ToEntity(TableKeys.SongStatsPartition(shard, g.Key.Hour), TableKeys.SongStatsRow(g.Key.Region, g.Key.SongId, g.Key.Hour, messageId), g.Key.SongId, g.Key.Region, g.Key.Hour, g));

        await Parallel.ForEachAsync(
            rows.GroupBy(r => r.PartitionKey).SelectMany(p => p.Chunk(InteractionStore.MaxTransactionActions)),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (batch, ct) => await _table.SubmitTransactionAsync(
                batch.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), ct));
    }

    /// <summary>The hour an event falls in (UTC).</summary>
    public static DateTimeOffset Hour(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    private TableEntity ToEntity(string partition, string row, string songId, string region, DateTimeOffset hour, IEnumerable<SongUsedEvent> events)
    {
        var weights = options.Value.Weights;
        var segments = new SegmentHistogram();
        int creates = 0, views = 0, likes = 0, shares = 0, favorites = 0;
        double weight = 0;
        foreach (var e in events)
        {
            weight += weights.Of(e.Action);
            _ = e.Action switch
            {
                SongAction.Create => creates++,
                SongAction.Like => likes++,
                SongAction.Share => shares++,
                SongAction.Favorite => favorites++,
                _ => views++,
            };
            if (e.Segment is { } segment)
            {
                segments.Add(segment);
            }
        }

        return new TableEntity(partition, row)
        {
            ["SongId"] = songId,
            ["Region"] = region,
            ["Hour"] = hour,
            ["Events"] = creates + views + likes + shares + favorites,
            ["Creates"] = creates,
            ["Views"] = views,
            ["Likes"] = likes,
            ["Shares"] = shares,
            ["Favorites"] = favorites,
            ["Weight"] = weight,
            ["Segments"] = segments.ToString(),
        };
    }
}
