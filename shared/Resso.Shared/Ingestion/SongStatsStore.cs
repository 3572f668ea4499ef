using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Resso.Shared.Events;
using Resso.Shared.Storage;

namespace Resso.Shared.Ingestion;

/// <summary>What a region's events did to one song in one hour.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Region">The region of the users.</param>
/// <param name="Hour">The UTC hour.</param>
/// <param name="Events">Distinct events.</param>
/// <param name="Weight">Sum of the action weights.</param>
/// <param name="ByAction">Events per action, indexed by <see cref="SongAction"/>.</param>
/// <param name="Segments">Which parts of the song the events' videos used.</param>
public sealed record SongStat(string SongId, string Region, DateTimeOffset Hour, long Events, double Weight, long[] ByAction, SegmentHistogram Segments)
{
    /// <summary>Videos created with the song: its uses.</summary>
    public long Creates => ByAction[(int)SongAction.Create];
}

/// <summary>
/// Song statistics by region and hour, pre-aggregated per queue message: each message writes a
/// row per (region, hour) it counted events in, keyed by the message id, holding every song of
/// those events with its counts. A message with more songs in one region and hour than fit in one
/// table property (Azure Tables keeps strings up to 32K characters) spreads them over parts
/// (<see cref="TableKeys.SongStatsRow"/>), cut from its songs in id order, so the same events always
/// make the same rows. Rewriting a message's rows leaves them as they were, so the statistics are
/// exactly-once without markers of their own; a viral song adds nothing but a line in a row per
/// message, never a write per event. Partitions are <c>{shard}|{yyyyMMdd}</c>, the shard chosen by
/// the message: a message's rows go to one partition per day it covers (usually one transaction),
/// and a day spreads over <see cref="IngestionOptions.StatsShards"/>.
/// </summary>
public sealed class SongStatsStore(TableServiceClient tables, StorageNames names, IOptions<IngestionOptions> options)
{
    /// <summary>
    /// Most characters of one row's songs: half of what a table string holds, so that a part is never
    /// near the limit whatever its songs' ids and segment histograms (a song's line is at most a few
    /// hundred characters).
    /// </summary>
    internal const int MaxSongsChars = 16 * 1024;

    // An entity-group transaction holds at most 100 entities and 4 MiB; strings count twice (UTF-16)
    // in the service's accounting, so 1 Mi characters of songs leaves room for everything else.
    private const int MaxTransactionChars = 1024 * 1024;

    private readonly TableClient _table = tables.GetTableClient(names.SongStatsTable);

    /// <summary>Writes the statistics of the events <paramref name="messageId"/> counted.</summary>
    public async Task WriteAsync(string messageId, IReadOnlyList<SongUsedEvent> counted, CancellationToken cancellationToken = default)
    {
        var shard = (int)(TableKeys.StableHash(messageId) % (uint)options.Value.StatsShards);
        var rows = counted
            .GroupBy(e => (e.Region, Hour: Hour(e.OccurredAt)))
            .SelectMany(g => ToRows(TableKeys.SongStatsPartition(shard, g.Key.Hour), g.Key.Region, g.Key.Hour, messageId, g));

        await Parallel.ForEachAsync(
            rows.GroupBy(r => r.PartitionKey).SelectMany(Transactions),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (batch, ct) => await _table.SubmitTransactionAsync(
                batch.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), ct));
    }

    /// <summary>
    /// Every song's statistics per region and hour for the hours from <paramref name="from"/> up to
    /// <paramref name="to"/>, in <paramref name="region"/> or everywhere, summed over messages (and over
    /// the parts of a message, or its single row if it was written before rows were split).
    /// </summary>
    public async IAsyncEnumerable<SongStat> ReadAsync(DateTimeOffset from, DateTimeOffset to, string? region = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // One key-range query per shard for all the days ({shard}|{yyyyMMdd}), the shards at once: a
        // query per day and shard cost a round trip each (744 for 92 days), and on the emulator a scan
        // of the whole table each. The rows are then summed day by day and shard by shard, as they were
        // read before, so that sums of doubles come out the same to the last bit.
        var first = Hour(from);
        var firstDay = new DateTimeOffset(first.UtcDateTime.Date, TimeSpan.Zero);
        var lastDay = new DateTimeOffset(to.UtcDateTime.Date, TimeSpan.Zero);
        var shards = await Task.WhenAll(Enumerable.Range(0, options.Value.StatsShards).Select(async shard =>
        {
            var (low, high) = (TableKeys.SongStatsPartition(shard, firstDay), TableKeys.SongStatsPartition(shard, lastDay));
            var filter = region is null
                ? TableClient.CreateQueryFilter($"PartitionKey ge {low} and PartitionKey le {high}")
                : TableClient.CreateQueryFilter($"PartitionKey ge {low} and PartitionKey le {high} and RowKey gt {region + "|"} and RowKey lt {region + "|~"}");
            var byPartition = new Dictionary<string, List<SongStat>>(StringComparer.Ordinal);
            await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                var hour = row.GetDateTimeOffset("Hour") ?? DateTimeOffset.MinValue;
                if (hour >= first && hour < to)
                {
                    (byPartition.TryGetValue(row.PartitionKey, out var stats) ? stats : byPartition[row.PartitionKey] = []).AddRange(FromRow(row, hour));
                }
            }

            return byPartition;
        }));

        var sums = new Dictionary<(string Song, string Region, DateTimeOffset Hour), SongStat>();
        for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
        {
            for (var shard = 0; shard < shards.Length; shard++)
            {
                foreach (var stat in shards[shard].GetValueOrDefault(TableKeys.SongStatsPartition(shard, day)) ?? [])
                {
                    var key = (stat.SongId, stat.Region, stat.Hour);
                    sums[key] = sums.TryGetValue(key, out var sum) ? Add(sum, stat) : stat;
                }
            }
        }

        foreach (var stat in sums.Values)
        {
            yield return stat;
        }
    }

    /// <summary>The hour an event falls in (UTC).</summary>
    public static DateTimeOffset Hour(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    private static SongStat Add(SongStat a, SongStat b)
    {
        var segments = new SegmentHistogram();
        segments.Add(a.Segments);
        segments.Add(b.Segments);
        return a with
        {
            Events = a.Events + b.Events,
            Weight = a.Weight + b.Weight,
            ByAction = [.. a.ByAction.Zip(b.ByAction, (x, y) => x + y)],
            Segments = segments,
        };
    }

    // Each row is written on its own terms (upsert by key), so how rows are grouped into transactions
    // does not matter for exactly-once; only the limits of a transaction do.
    private static IEnumerable<List<TableEntity>> Transactions(IEnumerable<TableEntity> partition)
    {
        var batch = new List<TableEntity>();
        var chars = 0;
        foreach (var row in partition)
        {
            var rowChars = row.GetString("Songs")?.Length ?? 0;
            if (batch.Count == InteractionStore.MaxTransactionActions || (batch.Count > 0 && chars + rowChars > MaxTransactionChars))
            {
                yield return batch;
                batch = [];
                chars = 0;
            }

            batch.Add(row);
            chars += rowChars;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    // Songs: {"s_1":[events, weight, create, view, like, share, favorite, "segments"], …}, in song id
    // order, cut into parts of at most MaxSongsChars. Everything here depends only on the set of
    // events, not on their order, so that a redelivered message rewrites exactly the same rows.
    private IEnumerable<TableEntity> ToRows(string partition, string region, DateTimeOffset hour, string messageId, IEnumerable<SongUsedEvent> events)
    {
        var part = new List<SongLine>();
        var chars = 2; // the braces
        var index = 0;
        foreach (var song in events.GroupBy(e => e.SongId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var line = ToLine(song.Key, song);
            if (part.Count > 0 && chars + line.Chars > MaxSongsChars)
            {
                yield return ToRow(partition, TableKeys.SongStatsRow(region, hour, messageId, index++), region, hour, part);
                part = [];
                chars = 2;
            }

            part.Add(line);
            chars += line.Chars;
        }

        if (part.Count > 0)
        {
            yield return ToRow(partition, TableKeys.SongStatsRow(region, hour, messageId, index), region, hour, part);
        }
    }

    private SongLine ToLine(string songId, IEnumerable<SongUsedEvent> events)
    {
        var weights = options.Value.Weights;
        var byAction = new long[5];
        var segments = new SegmentHistogram();

        // A histogram bucket keeps the length of the first segment it saw: see them in a fixed order.
        foreach (var e in events.OrderBy(e => e.UserId, StringComparer.Ordinal).ThenBy(e => e.EventId, StringComparer.Ordinal))
        {
            byAction[(int)e.Action]++;
            if (e.Segment is { } segment)
            {
                segments.Add(segment);
            }
        }

        // Summed per action rather than per event, so that floating-point order cannot vary.
        var weight = 0.0;
        for (var action = 0; action < byAction.Length; action++)
        {
            weight += byAction[action] * weights.Of((SongAction)action);
        }

        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(byAction.Sum());
            writer.WriteNumberValue(weight);
            foreach (var count in byAction)
            {
                writer.WriteNumberValue(count);
            }

            writer.WriteStringValue(segments.ToString());
            writer.WriteEndArray();
        }

        return new SongLine(songId, byAction.Sum(), weight, json.ToArray());
    }

    private static TableEntity ToRow(string partition, string row, string region, DateTimeOffset hour, List<SongLine> songs)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            foreach (var song in songs)
            {
                writer.WritePropertyName(song.SongId);
                writer.WriteRawValue(song.Json, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        return new TableEntity(partition, row)
        {
            ["Region"] = region,
            ["Hour"] = hour,
            ["Events"] = (int)songs.Sum(s => s.Events),
            ["Weight"] = songs.Sum(s => s.Weight),
            ["Songs"] = System.Text.Encoding.UTF8.GetString(json.GetBuffer(), 0, (int)json.Length),
        };
    }

    private static IEnumerable<SongStat> FromRow(TableEntity row, DateTimeOffset hour)
    {
        var region = row.GetString("Region") ?? "";
        using var document = JsonDocument.Parse(row.GetString("Songs") ?? "{}");
        var stats = new List<SongStat>();
        foreach (var song in document.RootElement.EnumerateObject())
        {
            var values = song.Value;
            stats.Add(new SongStat(
                song.Name,
                region,
                hour,
                values[0].GetInt64(),
                values[1].GetDouble(),
                [values[2].GetInt64(), values[3].GetInt64(), values[4].GetInt64(), values[5].GetInt64(), values[6].GetInt64()],
                SegmentHistogram.Parse(values[7].GetString())));
        }

        return stats;
    }

    /// <summary>One song's line in a row: <c>"id":[…]</c>, <see cref="Chars"/> long with its comma.</summary>
    private sealed record SongLine(string SongId, long Events, double Weight, byte[] Json)
    {
        // Ids are validated ASCII that JSON writes unescaped; the array is ASCII too.
        public int Chars => SongId.Length + 4 + Json.Length;
    }
}
