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

    /// <summary>The aggregate row of a user and song.</summary>
    public static string InteractionRow(string userId, string songId) => $"i|{userId}|{songId}";

    /// <summary>First and last possible aggregate row keys of a user, for a range query.</summary>
    public static (string From, string To) InteractionRange(string userId) => ($"i|{userId}|", $"i|{userId}|~");

    /// <summary>The marker row of a processed event: the event's idempotency key is (user, eventId).</summary>
    public static string EventMarkerRow(string userId, string eventId) => $"e|{userId}|{eventId}";

    /// <summary>Row-key prefix of every marker row.</summary>
    public const string EventMarkerPrefix = "e|";

    /// <summary>Row-key prefix of every aggregate row.</summary>
    public const string InteractionPrefix = "i|";

    /// <summary>The song-statistics partition of one region and hour, sharded by message so no song funnels into one partition.</summary>
    public static string SongStatsPartition(int shard, string region, DateTimeOffset hour) =>
        string.Create(CultureInfo.InvariantCulture, $"{shard:D2}|{region}|{hour.UtcDateTime:yyyyMMddHH}");

    /// <summary>The statistics row of a song contributed by one queue message.</summary>
    public static string SongStatsRow(string songId, string messageId) => $"{songId}|{messageId}";

    /// <summary>The catalog entry of a song (partition) and its only row.</summary>
    public const string CatalogRow = "song";

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
