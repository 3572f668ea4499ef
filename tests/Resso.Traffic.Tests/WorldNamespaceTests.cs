using Resso.Traffic.Generation;

namespace Resso.Traffic.Tests;

/// <summary>One world per id namespace, and more traffic in the same world through another run.</summary>
public sealed class WorldNamespaceTests
{
    private static readonly TrafficOptions Demo = Builders.Options(events: 3_000);

    private static HashSet<string> Ids(TrafficOptions options)
    {
        var generator = Builders.Generator(options);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        ids.UnionWith(generator.World.Songs.Select(s => s.Id));
        ids.UnionWith(generator.World.Users.Select(u => u.Id));
        foreach (var (e, _) in generator.Generate())
        {
            ids.Add(e.EventId);
            ids.Add(e.VideoId);
        }

        return ids;
    }

    [Fact]
    public void Create_DemoWorld_KeepsTheIdsWithoutANamespace()
    {
        var generator = Builders.Generator(Demo);
        var first = generator.Generate().First().Event;

        Assert.True(Demo.IsDemoWorld);
        Assert.Equal("", Demo.WorldNamespace);
        Assert.Equal(("s_000000", "u_000000"), (generator.World.Songs[0].Id, generator.World.Users[0].Id));
        Assert.Equal("e_42_0000000", first.EventId);
        Assert.StartsWith("v_42_", first.VideoId, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7, 2_000, 5_000, 12, "7")]
    [InlineData(-3, 2_000, 5_000, 12, "-3")]
    [InlineData(42, 500, 300, 6, "42.500.300.6")]
    [InlineData(7, 2_000, 100, 12, "7.2000.100.12")]
    public void Create_AnotherWorld_NamesEveryIdInItsOwnNamespaceAndSharesNoneWithTheDemo(int seed, int songs, int users, int clusters, string expected)
    {
        var options = Builders.Options(events: 3_000, seed: seed, songs: songs, users: users, clusters: clusters);

        var ids = Ids(options);

        Assert.Equal(expected, options.WorldNamespace);
        Assert.Equal($"s{expected}_000000", SyntheticWorld.Create(options).Songs[0].Id);
        Assert.Equal($"u{expected}_000000", SyntheticWorld.Create(options).Users[0].Id);
        Assert.All(ids, id => Assert.True(Resso.Shared.Ids.IsValid(id), id));
        Assert.Empty(ids.Intersect(Ids(Demo)));
    }

    [Fact]
    public void Create_LongestNamespace_StillMakesValidIds()
    {
        var options = new TrafficOptions { Seed = int.MinValue, Songs = 10_000_000, Users = 10_000_000, Clusters = 10_000_000, Run = 1_000_000, Events = 0 };
        var tag = options.TrafficNamespace;

        Assert.True(Resso.Shared.Ids.IsValid(SyntheticWorld.SongId(9_999_999, options.WorldNamespace)));
        Assert.True(Resso.Shared.Ids.IsValid("e_" + tag + "_" + int.MaxValue));
        Assert.True(Resso.Shared.Ids.IsValid("v_" + tag + "_" + int.MaxValue));
    }

    [Fact]
    public void Generate_AnotherRun_SendsNewEventsAndVideosOverTheSameSongsAndUsers()
    {
        var first = Builders.Generator(Demo);
        var second = Builders.Generator(new TrafficOptions { Events = 3_000, Run = 2 });

        var firstEvents = first.Generate().Select(e => e.Event).ToList();
        var secondEvents = second.Generate().Select(e => e.Event).ToList();

        // The same world, song by song and user by user.
        Assert.Equal(
            first.World.Songs.Select(s => (s.Id, s.Details.Title, s.Details.Artist, s.Details.Label, string.Join(",", s.Details.Regions), s.Cluster)),
            second.World.Songs.Select(s => (s.Id, s.Details.Title, s.Details.Artist, s.Details.Label, string.Join(",", s.Details.Regions), s.Cluster)));
        Assert.Equal(first.World.Users.Select(u => (u.Id, u.Region, string.Join(",", u.FavouriteClusters))), second.World.Users.Select(u => (u.Id, u.Region, string.Join(",", u.FavouriteClusters))));
        // New events and videos, none of them the first run's.
        Assert.All(secondEvents, e => Assert.StartsWith("e_42r2_", e.EventId, StringComparison.Ordinal));
        Assert.All(secondEvents, e => Assert.StartsWith("v_42r2_", e.VideoId, StringComparison.Ordinal));
        Assert.Empty(secondEvents.Select(e => e.EventId).Intersect(firstEvents.Select(e => e.EventId)));
        Assert.NotEqual(firstEvents.Select(e => (e.UserId, e.SongId)), secondEvents.Select(e => (e.UserId, e.SongId)));
        // Each user still draws from their own taste: the songs a user uses in run 2 come from the same world.
        Assert.All(secondEvents, e => Assert.Equal(second.World.User(e.UserId).Region, e.Region));
    }

    [Fact]
    public void Generate_SameRunTwice_YieldsTheSameEvents()
    {
        var options = new TrafficOptions { Events = 2_000, Run = 3 };

        Assert.Equal(Builders.Generator(options).Generate().ToList(), Builders.Generator(options).Generate().ToList());
    }
}
