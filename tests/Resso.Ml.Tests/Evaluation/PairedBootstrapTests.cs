using Resso.Ml.Evaluation;

namespace Resso.Ml.Tests.Evaluation;

public sealed class PairedBootstrapTests
{
    [Fact]
    public void Compare_IdenticalLists_MeanZeroAndIntervalContainsZero()
    {
        var values = Rows.Noisy(200, 0, seed: 1);

        var difference = PairedBootstrap.Compare(values, values);

        Assert.Equal(0, difference.Mean);
        Assert.InRange(0, difference.Lower, difference.Upper);
        Assert.False(difference.SignificantlyAbove);
        Assert.False(difference.SignificantlyBelow);
        Assert.Equal(200, difference.Pairs);
    }

    [Fact]
    public void Compare_ConstantShift_IntervalIsTheShift()
    {
        var b = Rows.Noisy(100, 0, seed: 2);
        var a = b.Select(v => v + 0.1).ToArray();

        var difference = PairedBootstrap.Compare(a, b);

        Assert.Equal(0.1, difference.Mean, 12);
        Assert.Equal(0.1, difference.Lower, 12);
        Assert.Equal(0.1, difference.Upper, 12);
    }

    [Fact]
    public void Compare_ClearlyShiftedNoisyData_IntervalAboveZero()
    {
        // Unpaired noise of spread 1 around a shift of 0.2: 300 users are enough to tell.
        var a = Rows.Noisy(300, 0.2, seed: 3);
        var b = Rows.Noisy(300, 0, seed: 4);

        var difference = PairedBootstrap.Compare(a, b);

        Assert.True(difference.SignificantlyAbove, difference.ToString());
        Assert.InRange(difference.Mean, difference.Lower, difference.Upper);
        Assert.Equal(0.95, difference.Confidence);
    }

    [Fact]
    public void Compare_SameSeed_GivesSameInterval()
    {
        var a = Rows.Noisy(50, 0.05, seed: 5);
        var b = Rows.Noisy(50, 0, seed: 6);

        Assert.Equal(PairedBootstrap.Compare(a, b, seed: 7), PairedBootstrap.Compare(a, b, seed: 7));
    }

    [Fact]
    public void Compare_MisalignedCounts_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare([0.1, 0.2, 0.3], [0.1, 0.2]));
    }

    [Fact]
    public void Align_DifferentUserSets_KeepsTheCommonUsersInOrder()
    {
        var a = Rows.Of("a", MethodRole.Product, [1, 2, 4, 7], [0.1, 0.2, 0.4, 0.7]);
        var b = Rows.Of("b", MethodRole.Baseline, [0, 2, 3, 4, 8], [0.0, 0.25, 0.3, 0.45, 0.8]);

        var (users, x, y) = PairedBootstrap.AlignUsers(a, b);

        Assert.Equal([2, 4], users);
        Assert.Equal([0.2, 0.4], x);
        Assert.Equal([0.25, 0.45], y);
        var (alignedA, alignedB) = PairedBootstrap.Align(a, b);
        Assert.Equal(x, alignedA);
        Assert.Equal(y, alignedB);
        Assert.Equal(-0.05, PairedBootstrap.CompareNdcg(a, b).Mean, 12);
    }

    [Fact]
    public void CompareClustered_OnePairPerCluster_EqualsThePlainBootstrap()
    {
        var a = Rows.Noisy(80, 0.1, seed: 8);
        var b = Rows.Noisy(80, 0, seed: 9);

        var clustered = PairedBootstrap.CompareClustered(a, b, [.. Enumerable.Range(0, 80)]);

        Assert.Equal(PairedBootstrap.Compare(a, b), clustered);
    }

    [Fact]
    public void CompareClustered_RepeatedClusters_WidensTheIntervalOverPairsTakenAsIndependent()
    {
        // 40 users, each with the same difference in 5 folds: 200 pairs, but only 40 independent values.
        var perUser = Rows.Noisy(40, 0, seed: 10);
        var a = perUser.SelectMany(v => Enumerable.Repeat(v, 5)).ToArray();
        var b = new double[a.Length];
        var users = Enumerable.Range(0, 40).SelectMany(u => Enumerable.Repeat(u, 5)).ToArray();

        var clustered = PairedBootstrap.CompareClustered(a, b, users);
        var independent = PairedBootstrap.Compare(a, b);

        Assert.Equal(independent.Mean, clustered.Mean, 12);
        Assert.Equal(200, clustered.Pairs);
        Assert.True(clustered.Upper - clustered.Lower > 1.8 * (independent.Upper - independent.Lower),
            $"clustered {clustered}, independent {independent}");
    }

    [Fact]
    public void CompareClustered_MisalignedClusters_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => PairedBootstrap.CompareClustered([0.1, 0.2], [0.1, 0.2], [0]));
    }
}
