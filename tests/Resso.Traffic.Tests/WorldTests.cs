using System.Text.RegularExpressions;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Tests;

public sealed partial class WorldTests
{
    private static readonly SyntheticWorld World = SyntheticWorld.Create(Builders.Options());

    [GeneratedRegex("^s_[0-9]{6}$")]
    private static partial Regex SongId();

    [GeneratedRegex("^u_[0-9]{6}$")]
    private static partial Regex UserId();

    [Fact]
    public void Create_Defaults_HasTheRequestedSizesAndIds()
    {
        Assert.Equal(2_000, World.Songs.Count);
        Assert.Equal(5_000, World.Users.Count);
        Assert.Equal(12, World.Clusters.Count);
        Assert.All(World.Songs, s => Assert.Matches(SongId(), s.Id));
        Assert.All(World.Users, u => Assert.Matches(UserId(), u.Id));
        Assert.Equal("s_000123", World.Songs[123].Id);
        Assert.Equal("u_000123", World.Users[123].Id);
    }

    [Fact]
    public void Create_Artists_AreAboutOnePerEightSongsEachInOneCluster()
    {
        Assert.InRange(World.Artists.Count, 240, 260);
        Assert.Equal(World.Artists.Count, World.Artists.Select(a => a.Name).Distinct().Count());
        Assert.All(World.Songs, s =>
        {
            Assert.Equal(World.Artists[s.Artist].Cluster, s.Cluster);
            Assert.Equal(World.Artists[s.Artist].Name, s.Details.Artist);
            Assert.Equal(World.Artists[s.Artist].Label, s.Details.Label);
        });
        Assert.All(World.Clusters, c => Assert.NotEmpty(c.SongsByPopularity));
        Assert.InRange(World.Songs.Select(s => s.Details.Label).Distinct().Count(), 8, 12);
    }

    [Fact]
    public void Create_Songs_HavePlausibleDetails()
    {
        Assert.All(World.Songs, s =>
        {
            Assert.False(string.IsNullOrWhiteSpace(s.Details.Title));
            Assert.InRange(s.Details.DurationMs, 120_000, 300_000);
            Assert.InRange(s.Hook.StartMs, 0, s.Details.DurationMs - SyntheticWorld.HookLengthMs);
            Assert.Equal(SyntheticWorld.HookLengthMs, s.Hook.EndMs - s.Hook.StartMs);
            Assert.All(s.Details.Regions, r => Assert.Contains(r, SyntheticWorld.RegionCodes));
        });
        var restricted = World.Songs.Count(s => s.Details.Regions.Count > 0) / (double)World.Songs.Count;
        Assert.InRange(restricted, 0.06, 0.14);
    }

    [Fact]
    public void Create_Users_HaveARegionAndOneOrTwoFavouriteClusters()
    {
        Assert.All(World.Users, u =>
        {
            Assert.Contains(u.Region, SyntheticWorld.RegionCodes);
            Assert.InRange(u.FavouriteClusters.Count, 1, 2);
            Assert.Equal(u.FavouriteClusters.Count, u.FavouriteClusters.Distinct().Count());
            Assert.All(u.FavouriteClusters, c => Assert.InRange(c, 0, World.Clusters.Count - 1));
        });
        Assert.InRange(World.Creators.Count / (double)World.Users.Count, 0.08, 0.12);
        Assert.Equal(World.Users.Count(u => u.IsCreator), World.Creators.Count);
    }

    [Fact]
    public void Create_ClusterRanking_FollowsGlobalPopularity()
    {
        Assert.All(World.Clusters, c => Assert.Equal(c.SongsByPopularity.OrderBy(s => s.PopularityRank), c.SongsByPopularity));
        Assert.All(World.Clusters, c => Assert.Empty(c.SongsByPopularity[0].Details.Regions));
        Assert.Equal(Enumerable.Range(0, World.Songs.Count), World.SongsByPopularity.Select(s => s.PopularityRank));
    }

    [Fact]
    public void Song_UnknownId_Throws()
    {
        Assert.Throws<KeyNotFoundException>(() => World.Song("s_999999"));
    }
}
