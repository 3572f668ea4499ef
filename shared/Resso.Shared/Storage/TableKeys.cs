using System.Globalization;
using System.Text;

namespace Resso.Shared.Storage;

/// <summary>
/// Every partition and row key of the app's tables, in one place. Ids are validated to
/// <c>[A-Za-z0-9_.:-]</c>, so <c>|</c> is a safe separator and no key needs escaping.
/// </summary>
public static class TableKeys
{
    /// <summary>The interactions partition of a user: users spread over <paramref name="partitions"/> by a stable hash.</summary>
    public static string UserPartition(string userId, int partitions) =>
        "u" + (StableHash(userId) % (uint)partitions).ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>
    /// The row of a counted event: its marker and its data at once. The idempotency key is
    /// (user, eventId): the event id is unique per client.
    /// </summary>
    public static string EventRow(string userId, string eventId) => $"e|{userId}|{eventId}";

    /// <summary>First and last possible event row keys of a user, for a range query.</summary>
    public static (string From, string To) EventRange(string userId) => ($"e|{userId}|", $"e|{userId}|~");

    /// <summary>First and last possible event row keys of any user.</summary>
    public static (string From, string To) AllEventsRange => ("e|", "e|~");

    /// <summary>
    /// The song-statistics partition of one UTC day, sharded by message: a message writes its rows
    /// into one or two partitions, and a day's writes spread over the shards.
    /// </summary>
    public static string SongStatsPartition(int shard, DateTimeOffset day) =>
        string.Create(CultureInfo.InvariantCulture, $"{shard:D2}|{day.UtcDateTime:yyyyMMdd}");

    /// <summary>
    /// A statistics row of a region and hour, contributed by one queue message: part
    /// <paramref name="part"/> of its songs. Part 0 keeps the key that rows had before messages were
    /// split into parts, so a message counted before that rewrites its old row instead of adding to it.
    /// </summary>
    public static string SongStatsRow(string region, DateTimeOffset hour, string messageId, int part = 0) =>
        part == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{region}|{hour.UtcDateTime:yyyyMMddHH}|{messageId}")
            : string.Create(CultureInfo.InvariantCulture, $"{region}|{hour.UtcDateTime:yyyyMMddHH}|{messageId}|{part}");

    /// <summary>
    /// The catalog partition of a song: songs spread over 16 partitions, so that the placeholders
    /// a message creates for unknown songs take a few transactions rather than one call per song.
    /// </summary>
    public static string CatalogPartition(string songId) =>
        "c" + (StableHash(songId) % 16).ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>FNV-1a over UTF-8: stable across processes and versions, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static uint StableHash(string value)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }
}
