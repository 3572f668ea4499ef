using Resso.Ml.Data;

namespace Resso.Ml.Tests.Data;

public sealed class InteractionSplitterTests
{
    private static InteractionData Data()
    {
        var builder = new InteractionDataBuilder();
        for (var u = 0; u < 50; u++)
        {
            // Users with 1 to 50 interactions.
            for (var i = 0; i <= u; i++)
            {
                builder.Add($"u{u}", $"s{(u * 7 + i * 13) % 97}");
            }
        }

        return builder.Build();
    }

    private static HashSet<(int User, int Item)> Pairs(InteractionData data)
    {
        var pairs = new HashSet<(int, int)>();
        for (var k = 0; k < data.Count; k++)
        {
            pairs.Add((data.UserIndices[k], data.ItemIndices[k]));
        }

        return pairs;
    }

    [Fact]
    public void SplitPerUser_SameSeed_GivesSameSplit()
    {
        var data = Data();

        var first = InteractionSplitter.SplitPerUser(data, 0.2, seed: 42);
        var second = InteractionSplitter.SplitPerUser(data, 0.2, seed: 42);
        var other = InteractionSplitter.SplitPerUser(data, 0.2, seed: 43);

        Assert.Equal(Pairs(first.Test), Pairs(second.Test));
        Assert.NotEqual(Pairs(first.Test), Pairs(other.Test));
    }

    [Fact]
    public void SplitPerUser_EachUser_HoldsOutFloorOfTwentyPercentAndPartitionsTheData()
    {
        var data = Data();

        var split = InteractionSplitter.SplitPerUser(data, 0.2, seed: 42);

        for (var u = 0; u < data.UserCount; u++)
        {
            var n = data.CountOf(u);
            Assert.Equal(n < 2 ? 0 : n / 5, split.Test.CountOf(u));
            Assert.Equal(n - split.Test.CountOf(u), split.Train.CountOf(u));
        }

        var train = Pairs(split.Train);
        var test = Pairs(split.Test);
        Assert.Empty(train.Intersect(test));
        Assert.Equal(Pairs(data), train.Union(test).ToHashSet());
        Assert.Same(data.Items, split.Test.Items);
    }

    [Fact]
    public void SplitPerUser_UserWithOneInteraction_KeepsItInTrain()
    {
        var data = new InteractionDataBuilder().Add("lonely", "s1").Build();

        var split = InteractionSplitter.SplitPerUser(data, 0.9, seed: 1);

        Assert.Equal(1, split.Train.Count);
        Assert.Equal(0, split.Test.Count);
    }
}
