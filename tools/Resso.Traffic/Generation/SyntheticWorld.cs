using System.Globalization;
using Resso.Shared.Catalog;
using Resso.Shared.Events;

namespace Resso.Traffic.Generation;

/// <summary>A taste cluster: a genre, its artists, and its songs from most to least popular.</summary>
/// <param name="Index">0-based cluster number.</param>
/// <param name="Genre">A genre name, e.g. <c>dangdut</c>.</param>
/// <param name="Artists">Indexes into <see cref="SyntheticWorld.Artists"/>.</param>
/// <param name="SongsByPopularity">The cluster's songs, most popular first (the order of <see cref="SyntheticWorld.SongsByPopularity"/>).</param>
public sealed record SyntheticCluster(int Index, string Genre, IReadOnlyList<int> Artists, IReadOnlyList<SyntheticSong> SongsByPopularity);

/// <summary>An artist: one cluster, one label.</summary>
/// <param name="Index">0-based artist number.</param>
/// <param name="Name">Display name, unique in the world.</param>
/// <param name="Label">The artist's record label.</param>
/// <param name="Cluster">The artist's taste cluster.</param>
public sealed record SyntheticArtist(int Index, string Name, string Label, int Cluster);

/// <summary>A song and its ground truth.</summary>
/// <param name="Index">0-based song number; <see cref="Id"/> is <c>s</c>, the world's namespace, <c>_</c> and this number in six digits.</param>
/// <param name="Id">The song id, e.g. <c>s_000123</c> (the demo world) or <c>s7_000123</c> (seed 7).</param>
/// <param name="Details">What <c>PUT /api/songs/{songId}</c> takes.</param>
/// <param name="Cluster">The song's taste cluster (its artist's).</param>
/// <param name="Artist">Index into <see cref="SyntheticWorld.Artists"/>.</param>
/// <param name="PopularityRank">0 for the most popular song overall.</param>
/// <param name="Hook">The part of the song most videos use.</param>
public sealed record SyntheticSong(int Index, string Id, SongDetails Details, int Cluster, int Artist, int PopularityRank, Segment Hook)
{
    /// <summary>True when the song may be played in <paramref name="region"/>.</summary>
    public bool IsAvailableIn(string region) => Details.Regions.Count == 0 || Details.Regions.Contains(region, StringComparer.Ordinal);
}

/// <summary>A user and their ground truth.</summary>
/// <param name="Index">0-based user number; <see cref="Id"/> is <c>u</c>, the world's namespace, <c>_</c> and this number in six digits.</param>
/// <param name="Id">The user id, e.g. <c>u_000123</c> (the demo world) or <c>u7_000123</c> (seed 7).</param>
/// <param name="Region">Home region (ISO 3166-1 alpha-2); every event of the user carries it.</param>
/// <param name="FavouriteClusters">One or two clusters, the first preferred.</param>
/// <param name="IsCreator">Whether the user creates videos.</param>
/// <param name="ActivityRank">0 for the most active user.</param>
public sealed record SyntheticUser(int Index, string Id, string Region, IReadOnlyList<int> FavouriteClusters, bool IsCreator, int ActivityRank);

/// <summary>
/// The synthetic world traffic is drawn from: songs grouped by artist into taste clusters, and
/// users with a home region and favourite clusters. Deterministic for <see cref="TrafficOptions.Seed"/>
/// and the world's sizes (it does not depend on how many events are drawn).
/// </summary>
public sealed class SyntheticWorld
{
    /// <summary>Length of every song's hook.</summary>
    public const int HookLengthMs = 15_000;

    /// <summary>Shortest and longest song.</summary>
    public const int MinDurationMs = 120_000, MaxDurationMs = 300_000;

    private readonly Dictionary<string, SyntheticSong> _songsById;
    private readonly Dictionary<string, SyntheticUser> _usersById;

    private SyntheticWorld(
        IReadOnlyList<SyntheticCluster> clusters,
        IReadOnlyList<SyntheticArtist> artists,
        IReadOnlyList<SyntheticSong> songs,
        IReadOnlyList<SyntheticUser> users)
    {
        Clusters = clusters;
        Artists = artists;
        Songs = songs;
        Users = users;
        SongsByPopularity = [.. songs.OrderBy(s => s.PopularityRank)];
        UsersByActivity = [.. users.OrderBy(u => u.ActivityRank)];
        Creators = [.. UsersByActivity.Where(u => u.IsCreator)];
        _songsById = songs.ToDictionary(s => s.Id, StringComparer.Ordinal);
        _usersById = users.ToDictionary(u => u.Id, StringComparer.Ordinal);
    }

    /// <summary>Every region a user can live in (ISO 3166-1 alpha-2).</summary>
    public static IReadOnlyList<string> RegionCodes { get; } = [.. Vocabulary.Regions.Select(r => r.Region)];

    /// <summary>Every record label.</summary>
    public static IReadOnlyList<string> Labels { get; } = Vocabulary.Labels;

    /// <summary>Taste clusters by index.</summary>
    public IReadOnlyList<SyntheticCluster> Clusters { get; }

    /// <summary>Artists by index.</summary>
    public IReadOnlyList<SyntheticArtist> Artists { get; }

    /// <summary>Songs by index (<c>s_000000</c> first).</summary>
    public IReadOnlyList<SyntheticSong> Songs { get; }

    /// <summary>Songs, most popular first.</summary>
    public IReadOnlyList<SyntheticSong> SongsByPopularity { get; }

    /// <summary>Users by index (<c>u_000000</c> first).</summary>
    public IReadOnlyList<SyntheticUser> Users { get; }

    /// <summary>Users, most active first.</summary>
    public IReadOnlyList<SyntheticUser> UsersByActivity { get; }

    /// <summary>The users who create videos, most active first.</summary>
    public IReadOnlyList<SyntheticUser> Creators { get; }

    /// <summary>The song with id <paramref name="songId"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such song.</exception>
    public SyntheticSong Song(string songId) => _songsById[songId];

    /// <summary>The user with id <paramref name="userId"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such user.</exception>
    public SyntheticUser User(string userId) => _usersById[userId];

    /// <summary>The cluster of song <paramref name="songId"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such song.</exception>
    public int ClusterOf(string songId) => Song(songId).Cluster;

    /// <summary>The song id for a song number: <c>s_000123</c>, or <c>s7_000123</c> in namespace <c>7</c> (<see cref="TrafficOptions.WorldNamespace"/>).</summary>
    public static string SongId(int index, string worldNamespace = "") => "s" + worldNamespace + "_" + index.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>The user id for a user number: <c>u_000123</c>, or <c>u7_000123</c> in namespace <c>7</c> (<see cref="TrafficOptions.WorldNamespace"/>).</summary>
    public static string UserId(int index, string worldNamespace = "") => "u" + worldNamespace + "_" + index.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Builds the world of <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    public static SyntheticWorld Create(TrafficOptions options)
    {
        options.ThrowIfInvalid();
        var random = new Random(options.Seed);
        var ns = options.WorldNamespace;
        var regionSampler = new WeightedSampler([.. Vocabulary.Regions.Select(r => r.Weight)]);

        // Artists: about one per eight songs, each in one cluster (round robin, so no cluster is empty)
        // and with one label; a few labels hold most artists, as in the real market.
        var artistCount = Math.Clamp((int)Math.Round(options.Songs / 8.0), options.Clusters, options.Songs);
        var labelSampler = WeightedSampler.Zipf(Vocabulary.Labels.Length, 0.8);
        var artistNames = new HashSet<string>(StringComparer.Ordinal);
        var artists = new SyntheticArtist[artistCount];
        for (var a = 0; a < artistCount; a++)
        {
            artists[a] = new SyntheticArtist(a, ArtistName(random, artistNames), Vocabulary.Labels[labelSampler.Sample(random)], a % options.Clusters);
        }

        // Songs: every artist has at least one; the rest go to artists at random. Popularity is a
        // random order, so ids say nothing about it.
        var songArtist = new int[options.Songs];
        for (var s = 0; s < options.Songs; s++)
        {
            songArtist[s] = s < artistCount ? s : random.Next(artistCount);
        }

        Shuffle(songArtist, random);
        var rankOf = Permutation(options.Songs, random);

        // The most popular song of each cluster plays everywhere: the fallback when a user's draws
        // keep landing on songs their region cannot play.
        var clusterTop = new int[options.Clusters];
        Array.Fill(clusterTop, -1);
        foreach (var s in Enumerable.Range(0, options.Songs).OrderBy(s => rankOf[s]))
        {
            var cluster = artists[songArtist[s]].Cluster;
            if (clusterTop[cluster] < 0)
            {
                clusterTop[cluster] = s;
            }
        }

        var songs = new SyntheticSong[options.Songs];
        for (var s = 0; s < options.Songs; s++)
        {
            var artist = artists[songArtist[s]];
            var duration = random.Next(MinDurationMs, MaxDurationMs + 1);
            // Hooks sit 20–60 % into the song (the chorus), on a tenth of a second.
            var hookStart = (int)(duration * (0.2 + 0.4 * random.NextDouble())) / 100 * 100;
            var restricted = clusterTop[artist.Cluster] != s && random.NextDouble() < options.RestrictedSongShare;
            IReadOnlyList<string> regions = restricted ? SomeRegions(random, regionSampler) : [];
            var details = new SongDetails(SongTitle(random), artist.Name, artist.Label, duration, regions);
            songs[s] = new SyntheticSong(s, SongId(s, ns), details, artist.Cluster, artist.Index, rankOf[s], new Segment(hookStart, hookStart + HookLengthMs));
        }

        var byPopularity = songs.OrderBy(s => s.PopularityRank).ToList();
        var clusters = new SyntheticCluster[options.Clusters];
        for (var c = 0; c < options.Clusters; c++)
        {
            clusters[c] = new SyntheticCluster(
                c,
                c < Vocabulary.Genres.Length ? Vocabulary.Genres[c] : "genre-" + c.ToString(CultureInfo.InvariantCulture),
                [.. artists.Where(a => a.Cluster == c).Select(a => a.Index)],
                [.. byPopularity.Where(s => s.Cluster == c)]);
        }

        var activityRank = Permutation(options.Users, random);
        var users = new SyntheticUser[options.Users];
        for (var u = 0; u < options.Users; u++)
        {
            var region = Vocabulary.Regions[regionSampler.Sample(random)].Region;
            var first = random.Next(options.Clusters);
            IReadOnlyList<int> favourites = [first];
            if (options.Clusters > 1 && random.NextDouble() < 0.45)
            {
                var second = random.Next(options.Clusters - 1);
                favourites = [first, second >= first ? second + 1 : second];
            }

            users[u] = new SyntheticUser(u, UserId(u, ns), region, favourites, random.NextDouble() < options.CreatorShare, activityRank[u]);
        }

        // A world whose action mix has creates needs a creator: make the most active user one.
        if (options.Actions.Create > 0 && !users.Any(u => u.IsCreator))
        {
            var top = users.First(u => u.ActivityRank == 0);
            users[top.Index] = top with { IsCreator = true };
        }

        return new SyntheticWorld(clusters, artists, songs, users);
    }

    private static int[] Permutation(int count, Random random)
    {
        var order = Enumerable.Range(0, count).ToArray();
        Shuffle(order, random);
        return order;
    }

    private static void Shuffle(int[] items, Random random)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static string[] SomeRegions(Random random, WeightedSampler regionSampler)
    {
        var count = 1 + random.Next(3);
        var regions = new SortedSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; regions.Count < count && attempt < 20; attempt++)
        {
            regions.Add(Vocabulary.Regions[regionSampler.Sample(random)].Region);
        }

        return [.. regions];
    }

    private static string ArtistName(Random random, HashSet<string> taken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var first = Pick(random, Vocabulary.FirstNames);
            var name = random.Next(10) switch
            {
                0 => "DJ " + first,
                1 => "Lil " + first,
                2 => "The " + Pick(random, Vocabulary.Adjectives) + " " + Pick(random, Vocabulary.Nouns),
                3 => first,
                _ => first + " " + Pick(random, Vocabulary.LastNames),
            };
            if (attempt >= 10)
            {
                name += " " + (taken.Count + 1).ToString(CultureInfo.InvariantCulture);
            }

            if (taken.Add(name))
            {
                return name;
            }
        }
    }

    private static string SongTitle(Random random) => random.Next(8) switch
    {
        0 => Pick(random, Vocabulary.Nouns) + " of " + Pick(random, Vocabulary.Nouns),
        1 => "Your " + Pick(random, Vocabulary.Nouns),
        2 => Pick(random, Vocabulary.Adjectives) + " " + Pick(random, Vocabulary.Nouns) + " (Remix)",
        _ => Pick(random, Vocabulary.Adjectives) + " " + Pick(random, Vocabulary.Nouns),
    };

    private static string Pick(Random random, string[] words) => words[random.Next(words.Length)];
}
