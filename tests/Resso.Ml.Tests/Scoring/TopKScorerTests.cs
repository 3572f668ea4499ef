using Resso.Ml.Scoring;

namespace Resso.Ml.Tests.Scoring;

public sealed class TopKScorerTests
{
    [Fact]
    public void RecommendForUser_WithExclusionsAndAllowedSet_MatchesBruteForceSort()
    {
        var model = ModelBuilder.Random(users: 4, items: 3000, dimension: 16);
        var exclude = new ItemBitSet(model.ItemCount, [.. Enumerable.Range(0, 3000).Where(i => i % 7 == 0)]);
        var allowed = new ItemBitSet(model.ItemCount, [.. Enumerable.Range(0, 3000).Where(i => i % 3 != 0)]);

        for (var user = 0; user < model.UserCount; user++)
        {
            var expected = Enumerable.Range(0, model.ItemCount)
                .Where(i => !exclude.Contains(i) && allowed.Contains(i) && i != 5)
                .Select(i => (Item: i, Score: model.Score(user, i)))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Item)
                .Take(25)
                .ToArray();

            var actual = TopKScorer.RecommendForUser(model, user, 25, exclude, allowed, filter: i => i != 5);

            Assert.Equal(expected.Select(x => x.Item), actual.Select(x => x.Item));
            for (var k = 0; k < expected.Length; k++)
            {
                Assert.Equal(expected[k].Score, actual[k].Score, 4);
            }
        }
    }

    [Fact]
    public void Recommend_CountAboveCandidates_ReturnsAllCandidatesSorted()
    {
        var model = ModelBuilder.Random(items: 10);
        var exclude = new ItemBitSet(10, [0, 1, 2]);

        var result = TopKScorer.Recommend(model, model.UserVector(0), 50, exclude);

        Assert.Equal(7, result.Length);
        Assert.DoesNotContain(result, r => r.Item < 3);
        Assert.True(result.Zip(result.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void SimilarItems_ReturnsCosineNeighboursWithoutTheItemItself()
    {
        var model = ModelBuilder.Random(items: 500, dimension: 8);

        var result = TopKScorer.SimilarItems(model, 42, 10);

        static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            double dot = 0, na = 0, nb = 0;
            for (var k = 0; k < a.Length; k++)
            {
                dot += a[k] * b[k];
                na += a[k] * a[k];
                nb += b[k] * b[k];
            }

            return dot / Math.Sqrt(na * nb);
        }

        var expected = Enumerable.Range(0, 500).Where(i => i != 42)
            .OrderByDescending(i => Cosine(model.ItemVector(42), model.ItemVector(i)))
            .Take(10);
        Assert.Equal(expected, result.Select(r => r.Item));
        Assert.InRange(result[0].Score, -1.0001f, 1.0001f);
    }

    [Fact]
    public void Select_TiedScores_PrefersLowerItemIndex()
    {
        float[] scores = [1, 3, 3, 2, 3, float.NaN];

        var result = TopKSelector.Select(scores, 3);

        Assert.Equal([1, 2, 4], result.Select(r => r.Item));
    }
}
