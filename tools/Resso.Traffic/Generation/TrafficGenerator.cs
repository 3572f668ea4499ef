using System.Globalization;
using Resso.Shared.Events;

namespace Resso.Traffic.Generation;

/// <summary>An event as emitted, and whether it is a re-send of an earlier one.</summary>
/// <param name="Event">The event.</param>
/// <param name="IsDuplicate">True when this is an exact copy (same id and content) of an event emitted before.</param>
public sealed record GeneratedEvent(SongUsedEvent Event, bool IsDuplicate);

/// <summary>
/// Draws "song used in short video" events from a <see cref="SyntheticWorld"/>. A user is drawn by
/// activity (power law); a song mostly from the user's favourite clusters (Zipf within the
/// cluster), else from the global chart (Zipf); creates only by creators, each minting a video;
/// other actions reference an existing video of the song. Each video keeps the segment it was made
/// with: most use the song's hook. Times spread over the last <see cref="TrafficOptions.Days"/>
/// days with a daily rhythm, in order, never after the clock's now. A share of the emitted events
/// (<see cref="TrafficOptions.DuplicateRate"/>) re-send a recent event unchanged.
/// </summary>
/// <remarks>
/// Ids are stable for a world and run: <c>e_{seed}_{n}</c> for events and <c>v_{seed}_{n}</c> for
/// videos, with <c>r{run}</c> after the seed from run 2 on (<see cref="TrafficOptions.TrafficNamespace"/>).
/// So sending the same run twice to one service sends the same events, which it must count once; use
/// another <see cref="TrafficOptions.Run"/> for new traffic in the same world.
/// </remarks>
public sealed class TrafficGenerator
{
    private const int RecentEvents = 512;
    private const int AvailabilityAttempts = 16;
    private const int HookJitterMs = 1_500;

    /// <summary>How often a user with two favourite clusters draws from the second rather than the first.</summary>
    private const double SecondFavouriteShare = 0.4;

    private static readonly SongAction[] ActionOrder = [SongAction.Create, SongAction.View, SongAction.Like, SongAction.Favorite, SongAction.Share];

    private readonly TimeProvider _time;
    private readonly WeightedSampler _globalSongs;
    private readonly WeightedSampler[] _clusterSongs;
    private readonly WeightedSampler _users;
    private readonly WeightedSampler? _creators;
    private readonly WeightedSampler _actions;

    /// <summary>Builds the world of <paramref name="options"/>; <paramref name="time"/> says when now is.</summary>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    public TrafficGenerator(TrafficOptions options, TimeProvider time)
    {
        Options = options;
        _time = time;
        World = SyntheticWorld.Create(options);
        _globalSongs = WeightedSampler.Zipf(World.Songs.Count, options.ZipfExponent);
        _clusterSongs = [.. World.Clusters.Select(c => WeightedSampler.Zipf(c.SongsByPopularity.Count, options.ZipfExponent))];
        _users = WeightedSampler.Zipf(World.Users.Count, options.UserActivityExponent);
        _creators = World.Creators.Count > 0 ? WeightedSampler.Zipf(World.Creators.Count, options.UserActivityExponent) : null;
        // A song from the middle of the chart that plays everywhere: it owes its events to the
        // share, not to being a hit already, and no user's region redraws it.
        var everywhere = World.SongsByPopularity.Where(s => s.Details.Regions.Count == 0).ToList();
        ViralSong = options.ViralShare > 0 && everywhere.Count > 0 ? everywhere[everywhere.Count / 2] : null;
        var mix = options.Actions;
        _actions = new WeightedSampler([_creators is null ? 0 : mix.Create, mix.View, mix.Like, mix.Favorite, mix.Share]);
    }

    /// <summary>The song that takes <see cref="TrafficOptions.ViralShare"/> of the events, or null when that share is 0.</summary>
    public SyntheticSong? ViralSong { get; }

    /// <summary>The options this generator was made with.</summary>
    public TrafficOptions Options { get; }

    /// <summary>The world, with its ground truth.</summary>
    public SyntheticWorld World { get; }

    /// <summary>
    /// The ground truth of <paramref name="user"/>'s taste: for each of their
    /// <see cref="SyntheticUser.FavouriteClusters"/>, in order, the probability that a song drawn
    /// for them is drawn from that cluster (Zipf by popularity within it). The rest,
    /// 1 − <see cref="TrafficOptions.FavouriteClusterShare"/>, is drawn from the global chart. Songs
    /// the user's region cannot play are redrawn.
    /// </summary>
    public IReadOnlyList<double> ClusterShares(SyntheticUser user) => user.FavouriteClusters.Count > 1
        ? [Options.FavouriteClusterShare * (1 - SecondFavouriteShare), Options.FavouriteClusterShare * SecondFavouriteShare]
        : [Options.FavouriteClusterShare];

    /// <summary>
    /// The <see cref="TrafficOptions.Events"/> events, in time order of first emission. Each
    /// enumeration starts over and, for the same clock, yields the same events.
    /// </summary>
    public IEnumerable<GeneratedEvent> Generate()
    {
        var now = _time.GetUtcNow();
        var rhythm = new DailyRhythm(now - TimeSpan.FromDays(Options.Days), now);
        // Separate from the world's stream, so the world does not depend on the traffic.
        // Run 1 keeps the stream (and so the events) the first version of this tool drew for a seed.
        var random = new Random(unchecked((Options.Seed * 486_187_739) + 97 + ((Options.Run - 1) * 1_000_003)));
        var tag = Options.TrafficNamespace;
        var videos = new Dictionary<int, List<Video>>();
        var recent = new SongUsedEvent[RecentEvents];
        var distinct = 0;
        var videoCount = 0;

        for (var n = 0; n < Options.Events; n++)
        {
            if (distinct > 0 && random.NextDouble() < Options.DuplicateRate)
            {
                yield return new GeneratedEvent(recent[random.Next(Math.Min(distinct, RecentEvents))], IsDuplicate: true);
                continue;
            }

            var action = ActionOrder[_actions.Sample(random)];
            var user = action == SongAction.Create
                ? World.Creators[_creators!.Sample(random)]
                : World.UsersByActivity[_users.Sample(random)];
            var song = PickSong(user, random);
            var video = action == SongAction.Create ? null : PickVideo(videos, song, random);
            if (video is null)
            {
                video = new Video("v_" + tag + "_" + videoCount++.ToString("D6", CultureInfo.InvariantCulture), PickSegment(song, random));
                if (!videos.TryGetValue(song.Index, out var list))
                {
                    videos[song.Index] = list = [];
                }

                list.Add(video);
            }

            var occurredAt = rhythm.At((n + random.NextDouble()) / Options.Events);
            var e = new SongUsedEvent(
                "e_" + tag + "_" + distinct.ToString("D7", CultureInfo.InvariantCulture),
                user.Id,
                song.Id,
                video.Id,
                action,
                user.Region,
                occurredAt,
                video.Segment);
            recent[distinct % RecentEvents] = e;
            distinct++;
            yield return new GeneratedEvent(e, IsDuplicate: false);
        }
    }

    private SyntheticSong PickSong(SyntheticUser user, Random random)
    {
        // Drawn only when there is a viral song, so that the events of a seed without one stay as they were.
        if (ViralSong is { } viral && random.NextDouble() < Options.ViralShare)
        {
            return viral;
        }

        SyntheticSong? song = null;
        for (var attempt = 0; attempt < AvailabilityAttempts; attempt++)
        {
            song = random.NextDouble() < Options.FavouriteClusterShare
                ? FromCluster(FavouriteCluster(user, random), random)
                : World.SongsByPopularity[_globalSongs.Sample(random)];
            if (song.IsAvailableIn(user.Region))
            {
                return song;
            }
        }

        // Each cluster's most popular song plays everywhere.
        return World.Clusters[user.FavouriteClusters[0]].SongsByPopularity[0];
    }

    private static int FavouriteCluster(SyntheticUser user, Random random) =>
        user.FavouriteClusters.Count > 1 && random.NextDouble() < SecondFavouriteShare ? user.FavouriteClusters[1] : user.FavouriteClusters[0];

    private SyntheticSong FromCluster(int cluster, Random random) =>
        World.Clusters[cluster].SongsByPopularity[_clusterSongs[cluster].Sample(random)];

    private static Video? PickVideo(Dictionary<int, List<Video>> videos, SyntheticSong song, Random random)
    {
        if (!videos.TryGetValue(song.Index, out var list))
        {
            return null;
        }

        // Older videos of a song have had time to spread: favour them.
        var u = random.NextDouble();
        return list[(int)(list.Count * u * u)];
    }

    private Segment PickSegment(SyntheticSong song, Random random)
    {
        var duration = song.Details.DurationMs;
        if (random.NextDouble() < Options.HookShare)
        {
            var start = song.Hook.StartMs + (random.Next(-HookJitterMs, HookJitterMs + 1) / 100 * 100);
            var length = song.Hook.EndMs - song.Hook.StartMs + (random.Next(-10, 11) * 100);
            start = Math.Clamp(start, 0, duration - length);
            return new Segment(start, start + length);
        }

        var windowLength = random.Next(10_000, 30_001) / 100 * 100;
        var windowStart = random.Next(0, duration - windowLength + 1);
        return new Segment(windowStart, windowStart + windowLength);
    }

    private sealed record Video(string Id, Segment Segment);
}
