namespace Resso.Traffic.Generation;

/// <summary>
/// Ids to try a seeded service with, drawn from the world and the traffic the generator sends: a
/// listener, the listener's home region, the song most used there, and a video of that song.
/// </summary>
/// <param name="Listener">A heavy listener of the busiest region who is not a creator and has one favourite cluster (a clear taste).</param>
/// <param name="Region">The listener's home region.</param>
/// <param name="Song">The service's #1 song in that region when the traffic used it, else the song with the most events there.</param>
/// <param name="VideoId">The video of that song with the most events; null when the traffic has none.</param>
/// <param name="ListenerEvents">The listener's distinct events in the traffic.</param>
public sealed record DemoPicks(SyntheticUser Listener, string Region, SyntheticSong Song, string? VideoId, int ListenerEvents)
{
    /// <summary>
    /// The picks for <paramref name="generator"/>'s traffic; the same for the same world and run, whatever the clock.
    /// <paramref name="topSong"/>, when given (the service's #1 in the listener's region), is the song if the traffic used it.
    /// </summary>
    public static DemoPicks From(TrafficGenerator generator, Func<string, string?>? topSong = null)
    {
        var world = generator.World;
        var byUser = new Dictionary<string, int>(StringComparer.Ordinal);
        var byRegionSong = new Dictionary<(string Region, string Song), int>();
        var bySongVideo = new Dictionary<(string Song, string Video), int>();
        foreach (var (e, isDuplicate) in generator.Generate())
        {
            if (isDuplicate)
            {
                continue;
            }

            byUser[e.UserId] = byUser.GetValueOrDefault(e.UserId) + 1;
            byRegionSong[(e.Region, e.SongId)] = byRegionSong.GetValueOrDefault((e.Region, e.SongId)) + 1;
            bySongVideo[(e.SongId, e.VideoId)] = bySongVideo.GetValueOrDefault((e.SongId, e.VideoId)) + 1;
        }

        // The busiest listener with a clear taste in the busiest region (where the app is most used, and
        // offers most likely have a paid plan); else the busiest of all; ties go to the more active by nature.
        var busiestRegion = byRegionSong.GroupBy(p => p.Key.Region, StringComparer.Ordinal)
            .OrderByDescending(g => g.Sum(p => p.Value)).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
        var listener = world.UsersByActivity
            .OrderByDescending(u => !u.IsCreator && u.FavouriteClusters.Count == 1 && byUser.ContainsKey(u.Id))
            .ThenByDescending(u => u.Region == busiestRegion)
            .ThenByDescending(u => byUser.GetValueOrDefault(u.Id))
            .ThenBy(u => u.ActivityRank)
            .First();
        var region = listener.Region;
        var charted = topSong?.Invoke(region);
        var song = charted is not null && bySongVideo.Keys.Any(k => k.Song == charted)
            ? world.Song(charted)
            : byRegionSong
            .Where(p => p.Key.Region == region)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key.Song, StringComparer.Ordinal)
            .Select(p => world.Song(p.Key.Song))
            .FirstOrDefault()
            ?? world.SongsByPopularity.First(s => s.IsAvailableIn(region));
        var video = bySongVideo
            .Where(p => p.Key.Song == song.Id)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key.Video, StringComparer.Ordinal)
            .Select(p => p.Key.Video)
            .FirstOrDefault();
        return new DemoPicks(listener, region, song, video, byUser.GetValueOrDefault(listener.Id));
    }
}
