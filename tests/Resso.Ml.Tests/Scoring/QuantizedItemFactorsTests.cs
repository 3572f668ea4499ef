using Resso.Ml.Data;
using Resso.Ml.Model;
using Resso.Ml.Scoring;

namespace Resso.Ml.Tests.Scoring;

/// <summary>
/// The 8-bit first pass must change nothing but speed: every case is compared, item for item and bit for bit, with the
/// float scorer.
/// </summary>
public sealed class QuantizedItemFactorsTests
{
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        // items, dimension, count, seed
        { 2048, 16, 1, 1 },
        { 2048, 16, 2048, 2 },
        { 5003, 64, 10, 3 },
        { 5003, 64, 100, 4 },
        { 20_001, 64, 500, 5 },
        { 9_999, 128, 100, 6 },
        { 4_100, 32, 3000, 7 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Recommend_RandomModels_EqualsTheFloatScorerExactly(int items, int dimension, int count, int seed)
    {
        SkipUnlessSupported();
        var model = ModelBuilder.Random(users: 6, items: items, dimension: dimension, seed: seed);
        var exclude = new ItemBitSet(items, [.. Enumerable.Range(0, items).Where(i => i % 11 == 0)]);
        var allowed = new ItemBitSet(items, [.. Enumerable.Range(0, items).Where(i => i % 5 != 1)]);

        for (var user = 0; user < model.UserCount; user++)
        {
            var vector = model.UserVector(user);
            AssertSame(model, vector, count, null, null, null, model.UserBiases[user]);
            AssertSame(model, vector, count, exclude, allowed, i => i % 13 != 4, model.UserBiases[user]);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SimilarItems_RandomModels_EqualsTheFloatScorerExactly(int items, int dimension, int count, int seed)
    {
        SkipUnlessSupported();
        var model = ModelBuilder.Random(users: 1, items: items, dimension: dimension, seed: seed);
        var allowed = new ItemBitSet(items, [.. Enumerable.Range(0, items).Where(i => i % 5 != 1)]);

        foreach (var item in new[] { 0, items / 2, items - 1 })
        {
            AssertSameSimilar(model, item, count, null, null);
            AssertSameSimilar(model, item, count, allowed, i => i % 13 != 4);
        }
    }

    [Fact]
    public void Recommend_HardCases_EqualsTheFloatScorerExactly()
    {
        SkipUnlessSupported();
        var model = HardModel();
        const int Dimension = 64;
        var random = new Random(12);
        float[][] users =
        [
            new float[Dimension], // zero vector: scores are the biases
            [.. Enumerable.Repeat(1f, Dimension)],
            [.. Enumerable.Range(0, Dimension).Select(k => k == 5 ? 100f : 1e-4f)],
            [.. Enumerable.Range(0, Dimension).Select(k => (float)(random.NextDouble() - 0.5) * 1e6f)],
        ];

        foreach (var user in users)
        {
            foreach (var count in new[] { 1, 7, 100, model.ItemCount })
            {
                // A user bias far above the scores makes their float sums tie; ties must still go as in the float scorer.
                foreach (var userBias in new[] { 0f, 1e4f, -3e5f })
                {
                    AssertSame(model, user, count, null, null, null, userBias);
                }
            }
        }
    }

    [Fact]
    public void SimilarItems_HardCases_EqualsTheFloatScorerExactly()
    {
        SkipUnlessSupported();
        var model = HardModel();

        // Outliers, zero vectors (never similar, and no neighbours of their own), duplicates (cosine ties).
        foreach (var item in new[] { 0, 1, 2, 8, 14, 1500, 2999 })
        {
            foreach (var count in new[] { 1, 10, 100, 3000 })
            {
                AssertSameSimilar(model, item, count, null, null);
            }
        }
    }

    private static FactorModel HardModel()
    {
        const int Items = 3000;
        const int Dimension = 64;
        var random = new Random(11);
        var factors = new float[Items * Dimension];
        var biases = new float[Items];
        for (var item = 0; item < Items; item++)
        {
            var row = factors.AsSpan(item * Dimension, Dimension);
            switch (item % 6)
            {
                case 0: // an outlier dimension: a coarse scale for the other 63
                    row.Fill(0.01f);
                    row[item % Dimension] = 3f;
                    break;
                case 1: // all zero: scale 0
                    break;
                case 2 when item > 6: // a duplicate of an earlier item: exact ties, decided by index
                    factors.AsSpan((item - 6) * Dimension, Dimension).CopyTo(row);
                    break;
                default:
                    for (var k = 0; k < Dimension; k++)
                    {
                        row[k] = (float)(random.NextDouble() - 0.5) * 1e-3f;
                    }

                    break;
            }

            biases[item] = item % 2 == 0 ? 0 : (float)random.NextDouble() * 10;
        }

        return new FactorModel(
            new IdMap(["u"]), new IdMap(Enumerable.Range(0, Items).Select(i => $"s{i}")), Dimension,
            new float[Dimension], factors, [0f], biases);
    }


    [Fact]
    public void Recommend_TypicalModel_RescoresFewItemsBeyondTheTopK()
    {
        SkipUnlessSupported();
        var model = ModelBuilder.Random(users: 4, items: 50_000, dimension: 64, seed: 8);

        for (var user = 0; user < model.UserCount; user++)
        {
            model.QuantizedItems.Recommend(model, model.UserVector(user), 100, null, null, null, 0f, out var rescored);

            // Measured: ~110–130 for these shapes; a loose error bound would send thousands to the exact pass.
            Assert.InRange(rescored, 100, 400);
        }
    }

    [Fact]
    public void Recommend_PublicScorer_UsesTheQuantizedPassWhereItApplies()
    {
        var large = ModelBuilder.Random(items: QuantizedItemFactors.MinimumItems, dimension: 64);
        var small = ModelBuilder.Random(items: QuantizedItemFactors.MinimumItems - 1, dimension: 64);
        var odd = ModelBuilder.Random(items: 5000, dimension: 24);

        Assert.Equal(QuantizedItemFactors.IsSupported, QuantizedItemFactors.Applies(large));
        Assert.False(QuantizedItemFactors.Applies(small));
        Assert.False(QuantizedItemFactors.Applies(odd));
        Assert.Equal(
            TopKScorer.RecommendFloat(odd, odd.UserVector(0), 20),
            TopKScorer.Recommend(odd, odd.UserVector(0), 20));
    }

    private static void AssertSame(FactorModel model, ReadOnlySpan<float> user, int count, ItemBitSet? exclude, ItemBitSet? allowed,
        Func<int, bool>? filter, float userBias)
    {
        var expected = TopKScorer.RecommendFloat(model, user, count, exclude, allowed, filter, userBias);
        var actual = model.QuantizedItems.Recommend(model, user, count, exclude, allowed, filter, userBias, out _);
        Assert.Equal(expected, actual);
    }

    private static void AssertSameSimilar(FactorModel model, int item, int count, ItemBitSet? allowed, Func<int, bool>? filter)
    {
        var expected = TopKScorer.SimilarItemsFloat(model, item, count, allowed, filter);
        var actual = model.QuantizedItems.SimilarItems(model, item, count, allowed, filter, out _);
        Assert.Equal(expected, actual);
    }

    private static void SkipUnlessSupported() =>
        Assert.SkipUnless(QuantizedItemFactors.IsSupported, "This machine has no AVX-512 BW; the float scorer serves alone.");
}
