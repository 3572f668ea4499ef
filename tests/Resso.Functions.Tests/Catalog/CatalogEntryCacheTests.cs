using Resso.Functions.Core.Listeners;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;

namespace Resso.Functions.Tests.Catalog;

public sealed class CatalogEntryCacheTests
{
    private static CatalogEntry Entry(string songId, int neighbours = 0) =>
        new(songId, new SongDetails($"Title {songId}", "Artist", "Label", 1000, []), null,
            [.. Enumerable.Range(0, neighbours).Select(i => new KeyValuePair<string, double>($"s_neighbour_{i}", 0.5))]);

    [Fact]
    public void Set_MoreThanMaxEntries_LeastRecentlyUsedGoesFirst()
    {
        var cache = new CatalogEntryCache(maxEntries: 3, maxBytes: long.MaxValue);
        cache.Set("s_1", Entry("s_1"));
        cache.Set("s_2", Entry("s_2"));
        cache.Set("s_3", Entry("s_3"));
        Assert.True(cache.TryGet("s_1", out _));

        cache.Set("s_4", Entry("s_4"));

        Assert.Equal(3, cache.Count);
        Assert.False(cache.TryGet("s_2", out _));
        Assert.True(cache.TryGet("s_1", out var first));
        Assert.Equal("Title s_1", first!.Details!.Title);
        Assert.True(cache.TryGet("s_3", out _));
        Assert.True(cache.TryGet("s_4", out _));
    }

    [Fact]
    public void Set_MoreThanMaxBytes_OldestGoUntilUnderTheBound()
    {
        var one = CatalogEntryCache.SizeOf("s_00", Entry("s_00", neighbours: 20));
        var cache = new CatalogEntryCache(maxEntries: 1_000, maxBytes: (one * 5) + (one / 2));
        for (var i = 0; i < 20; i++)
        {
            cache.Set($"s_{i:D2}", Entry($"s_{i:D2}", neighbours: 20));
        }

        Assert.Equal(5, cache.Count);
        Assert.True(cache.Bytes <= (one * 5) + (one / 2), $"{cache.Bytes} bytes");
        Assert.True(cache.TryGet("s_19", out _));
        Assert.True(cache.TryGet("s_15", out _));
        Assert.False(cache.TryGet("s_14", out _));
        // Neighbours count: an entry with 20 is several times one without.
        Assert.True(one > 3 * CatalogEntryCache.SizeOf("s_00", Entry("s_00")), $"{one} bytes");
    }

    [Fact]
    public void Set_SameSongAgain_ReplacesItWithoutGrowing()
    {
        var cache = new CatalogEntryCache(maxEntries: 10, maxBytes: long.MaxValue);
        cache.Set("s_1", Entry("s_1", neighbours: 20));
        var bytes = cache.Bytes;

        cache.Set("s_1", Entry("s_1", neighbours: 20));
        cache.Set("s_missing", null);

        Assert.Equal(2, cache.Count);
        Assert.Equal(bytes + CatalogEntryCache.SizeOf("s_missing", null), cache.Bytes);
        Assert.True(cache.TryGet("s_missing", out var missing));
        Assert.Null(missing);
    }

    [Fact]
    public void TryFill_AfterRemoveOrClear_IsNotKept()
    {
        var cache = new CatalogEntryCache(maxEntries: 10, maxBytes: long.MaxValue);
        var before = cache.Epoch;
        cache.Remove("s_changed");
        var afterRemove = cache.Epoch;
        cache.Clear();

        Assert.False(cache.TryFill("s_1", Entry("s_1"), before));
        Assert.False(cache.TryFill("s_1", Entry("s_1"), afterRemove));
        Assert.True(cache.TryFill("s_1", Entry("s_1"), cache.Epoch));
        Assert.Equal(1, cache.Count);
        cache.Clear();
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }
}
