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

    private static HashSet<(string User, string Item)> Ids(InteractionData data)
    {
        var pairs = new HashSet<(string, string)>();
        for (var k = 0; k < data.Count; k++)
        {
            pairs.Add((data.Users[data.UserIndices[k]], data.Items[data.ItemIndices[k]]));
        }

        return pairs;
    }

    [Fact]
    public void SplitStable_NewEventsUsersAndSongs_KeepEveryHeldOutInteractionHeldOut()
    {
        var data = Data();
        // The same interactions and more, added new-first so that every index moves.
        var builder = new InteractionDataBuilder();
        for (var u = 0; u < 80; u++)
        {
            builder.Add($"new{u}", $"s{u % 120}");
            builder.Add($"u{u % 50}", $"s{(u * 11) % 120}");
        }

        for (var k = data.Count - 1; k >= 0; k--)
        {
            builder.Add(data.Users[data.UserIndices[k]], data.Items[data.ItemIndices[k]]);
        }

        var more = builder.Build();

        var before = InteractionSplitter.SplitStable(data, 0.2, seed: 42);
        var after = InteractionSplitter.SplitStable(more, 0.2, seed: 42);

        var heldOut = Ids(before.Test);
        Assert.NotEmpty(heldOut);
        Assert.Subset(Ids(after.Test), heldOut);
        Assert.Empty(Ids(after.Train).Intersect(heldOut));
        Assert.Subset(Ids(after.Train), Ids(before.Train));
    }

    [Fact]
    public void SplitStable_AnyData_HoldsOutAboutTheFractionAndRanksOnlyUsersWithTrainingSongs()
    {
        var data = Data();

        var split = InteractionSplitter.SplitStable(data, 0.2, seed: 42);

        var train = Pairs(split.Train);
        var test = Pairs(split.Test);
        Assert.Empty(train.Intersect(test));
        Assert.Subset(Pairs(data), train.Union(test).ToHashSet());
        Assert.InRange(test.Count, 0.15 * data.Count, 0.25 * data.Count);
        Assert.All(test, pair => Assert.True(split.Train.CountOf(pair.User) > 0));

        // An interaction missing from both parts was held out from a user left with nothing to rank it from.
        foreach (var (user, _) in Pairs(data).Except(train).Except(test))
        {
            Assert.Equal(0, split.Train.CountOf(user));
        }

        Assert.Same(data.Items, split.Test.Items);
    }

    [Fact]
    public void SplitStable_OtherSeed_HoldsOutOtherInteractions()
    {
        var data = Data();

        var first = InteractionSplitter.SplitStable(data, 0.2, seed: 42);
        var second = InteractionSplitter.SplitStable(data, 0.2, seed: 42);
        var other = InteractionSplitter.SplitStable(data, 0.2, seed: 43);

        Assert.Equal(Pairs(first.Test), Pairs(second.Test));
        Assert.NotEqual(Pairs(first.Test), Pairs(other.Test));
    }
}
