using Resso.Functions.Core.Listeners;
using Resso.Shared.Ingestion;

namespace Resso.Functions.Core.Catalog;

/// <summary>A song's use in one region over <see cref="SongUsageStats.Window"/>.</summary>
/// <param name="Region">ISO 3166-1 alpha-2 code of the users.</param>
/// <param name="Events">Counted events of every action.</param>
/// <param name="Uses">Videos created with the song (<c>create</c> events).</param>
public sealed record RegionUsage(string Region, long Events, long Uses);

/// <summary>A song's use over <see cref="SongUsageStats.Window"/>, as the song statistics hold it.</summary>
/// <param name="Window">The window: <c>7d</c>, the last seven days up to now.</param>
/// <param name="Events">Counted events of every action.</param>
/// <param name="Uses">Videos created with the song (<c>create</c> events).</param>
/// <param name="Regions">Where it is used, most events first.</param>
public sealed record SongUsage(string Window, long Events, long Uses, IReadOnlyList<RegionUsage> Regions)
{
    /// <summary>No use in the window.</summary>
    public static SongUsage None { get; } = new(SongUsageStats.WindowName, 0, 0, []);
}

/// <summary>
/// Every song's use over the last seven days, from the song statistics (which are per message, so
/// one song's share costs the whole window's rows): read once per instance and kept as listener
/// answers are, fresh for a minute and served for four more while read again.
/// </summary>
public sealed class SongUsageStats(SongStatsStore stats, RefreshingCache cache, TimeProvider timeProvider)
{
    /// <summary>How far back use is counted.</summary>
    public static readonly TimeSpan Window = SegmentRollup.Window;

    /// <summary>The API name of <see cref="Window"/>.</summary>
    public const string WindowName = "7d";

    /// <summary>The song's use; <see cref="SongUsage.None"/> when the window holds none.</summary>
    public async Task<SongUsage> GetAsync(string songId, CancellationToken cancellationToken = default)
    {
        var all = await cache.GetAsync("song-usage", ReadAsync, ListenerService.CacheFor, ListenerService.ServeStaleFor, cancellationToken);
        return all.GetValueOrDefault(songId) ?? SongUsage.None;
    }

    private async Task<IReadOnlyDictionary<string, SongUsage>> ReadAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var byRegion = new Dictionary<string, Dictionary<string, (long Events, long Uses)>>(StringComparer.Ordinal);
        await foreach (var stat in stats.ReadAsync(now - Window, now.AddHours(1), cancellationToken: cancellationToken))
        {
            if (!byRegion.TryGetValue(stat.SongId, out var regions))
            {
                byRegion[stat.SongId] = regions = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
            }

            var (events, uses) = regions.GetValueOrDefault(stat.Region);
            regions[stat.Region] = (events + stat.Events, uses + stat.Creates);
        }

        return byRegion.ToDictionary(
            s => s.Key,
            s => new SongUsage(
                WindowName,
                s.Value.Values.Sum(r => r.Events),
                s.Value.Values.Sum(r => r.Uses),
                [.. s.Value.OrderByDescending(r => r.Value.Events).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => new RegionUsage(r.Key, r.Value.Events, r.Value.Uses))]),
            StringComparer.Ordinal);
    }
}
