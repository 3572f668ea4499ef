using System.Numerics.Tensors;
using Resso.Ml.Mixes;
using Resso.Ml.Model;
using Resso.Ml.Scoring;

namespace Resso.Ml.Tests.Mixes;

public sealed class MaximalMarginalRelevanceTests
{
    private static readonly FactorModel Model = MixWorld.ClusteredModel(200, clusters: 5, noise: 0.2f);

    [Fact]
    public void Rerank_Always_KeepsTheTopItemFirst()
    {
        var candidates = Crowded();

        var picks = MaximalMarginalRelevance.Rerank(candidates, Model, 20, Artist, maxPerArtist: 2);

        Assert.Equal(candidates.MaxBy(c => c.Score).Item, picks[0].Item);
    }

    [Fact]
    public void Rerank_CrowdedCandidates_AreMoreDiverseThanPlainTopK()
    {
        var candidates = Crowded();
        var topK = candidates.OrderByDescending(c => c.Score).Take(20).Select(c => c.Item).ToArray();

        var picks = MaximalMarginalRelevance.Rerank(candidates, Model, 20, _ => null, maxPerArtist: 20).Select(p => p.Item).ToArray();

        Assert.Equal(20, picks.Length);
        Assert.True(
            AveragePairwiseCosine(picks) < AveragePairwiseCosine(topK) - 0.2,
            $"MMR {AveragePairwiseCosine(picks):0.000} vs top-K {AveragePairwiseCosine(topK):0.000}");
        Assert.True(picks.Select(i => i % 5).Distinct().Count() >= 4);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Rerank_ArtistCap_IsNeverExceeded(int cap)
    {
        var picks = MaximalMarginalRelevance.Rerank(Crowded(), Model, 30, Artist, cap);

        Assert.Equal(30, picks.Length);
        Assert.All(picks.GroupBy(p => Artist(p.Item)), g => Assert.True(g.Count() <= cap));
    }

    [Fact]
    public void Rerank_LambdaOneWithoutCap_IsTheScoreOrder()
    {
        var candidates = Crowded();

        var picks = MaximalMarginalRelevance.Rerank(candidates, Model, 25, _ => null, maxPerArtist: 1, lambda: 1);

        Assert.Equal(candidates.OrderByDescending(c => c.Score).ThenBy(c => c.Item).Take(25).Select(c => c.Item), picks.Select(p => p.Item));
    }

    [Fact]
    public void Rerank_CapLeavesTooFewCandidates_ReturnsThoseThereAre()
    {
        ScoredItem[] candidates = [.. Enumerable.Range(0, 40).Select(i => new ScoredItem(i, 40 - i))];

        var picks = MaximalMarginalRelevance.Rerank(candidates, Model, 30, i => $"a{i % 4}", maxPerArtist: 3);

        Assert.Equal(12, picks.Length);
        Assert.Equal(picks.Length, picks.Select(p => p.Item).Distinct().Count());
    }

    [Fact]
    public void Rerank_RepeatedAndNonFiniteCandidates_AreIgnored()
    {
        ScoredItem[] candidates = [new(1, 3), new(1, 2), new(2, float.NaN), new(3, 1)];

        var picks = MaximalMarginalRelevance.Rerank(candidates, Model, 10, _ => null, 5);

        Assert.Equal([1, 3], picks.Select(p => p.Item));
        Assert.Equal(3f, picks[0].Score);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void Rerank_LambdaOutOfRange_Throws(double lambda) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MaximalMarginalRelevance.Rerank(Crowded(), Model, 5, _ => null, 1, lambda));

    [Fact]
    public void Rerank_ItemOutsideTheModel_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MaximalMarginalRelevance.Rerank([new ScoredItem(Model.ItemCount, 1)], Model, 5, _ => null, 1));

    private static string Artist(int item) => $"a{item % 40}";

    /// <summary>All 200 items; cluster 0's 40 items score a little higher, so the plain top 20 is one cluster.</summary>
    private static ScoredItem[] Crowded() =>
        [.. Enumerable.Range(0, Model.ItemCount).Select(i => new ScoredItem(i, (i % 5 == 0 ? 1.1f : 1f) - (i * 0.001f)))];

    private static double AveragePairwiseCosine(int[] items)
    {
        var sum = 0.0;
        var pairs = 0;
        for (var a = 0; a < items.Length; a++)
        {
            for (var b = a + 1; b < items.Length; b++)
            {
                sum += TensorPrimitives.CosineSimilarity(Model.ItemVector(items[a]), Model.ItemVector(items[b]));
                pairs++;
            }
        }

        return sum / pairs;
    }
}
