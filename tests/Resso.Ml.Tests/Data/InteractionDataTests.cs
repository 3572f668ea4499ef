using Resso.Ml.Data;

namespace Resso.Ml.Tests.Data;

public sealed class InteractionDataTests
{
    [Fact]
    public void Build_RepeatedPairs_MergesWeightsAndSortsItemsPerUser()
    {
        var data = new InteractionDataBuilder()
            .Add("alice", "song-b", 2)
            .Add("bob", "song-a")
            .Add("alice", "song-a", 1)
            .Add("alice", "song-b", 3)
            .Build();

        Assert.Equal(["alice", "bob"], data.Users);
        Assert.Equal(["song-b", "song-a"], data.Items);
        Assert.Equal(3, data.Count);
        Assert.Equal([0, 1], data.ItemsOf(0).ToArray());
        Assert.Equal([5f, 1f], data.WeightsOf(0).ToArray());
        Assert.Equal([1], data.ItemsOf(1).ToArray());
        Assert.Equal([1, 2], data.ItemCounts.ToArray());
        Assert.True(data.Contains(1, 1));
        Assert.False(data.Contains(1, 0));
    }

    [Fact]
    public void Builder_SeededWithKnownIds_KeepsTheirIndicesAsPrefix()
    {
        var old = new IdMap(["u1", "u2"]);
        var data = new InteractionDataBuilder(old, ["s1"]).Add("u3", "s2").Add("u1", "s1").Build();

        Assert.True(old.IsPrefixOf(data.Users));
        Assert.Equal(2, data.Users.IndexOf("u3"));
        Assert.False(new IdMap(["u2", "u1"]).IsPrefixOf(data.Users));
    }

    [Fact]
    public void Add_NegativeWeight_Throws()
    {
        var builder = new InteractionDataBuilder();

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Add("u", "s", -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Add("u", "s", float.NaN));
    }

    [Fact]
    public void IdMap_DuplicateIds_Throws()
    {
        Assert.Throws<ArgumentException>(() => new IdMap(["a", "b", "a"]));
    }
}
