using Resso.Ml.Data;
using Resso.Ml.Training;

namespace Resso.Ml.Tests.Training;

public sealed class NegativeSamplerTests
{
    private static InteractionData Data()
    {
        // Item "hit" is used by 50 users, items s0..s49 by one user each; user u0 has "hit" and s0.
        var builder = new InteractionDataBuilder();
        for (var u = 0; u < 50; u++)
        {
            builder.Add($"u{u}", "hit").Add($"u{u}", $"s{u}");
        }

        return builder.Build();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Sample_NeverReturnsTheUsersOwnItems(double exponent)
    {
        var data = Data();
        var sampler = new NegativeSampler(data, exponent);
        var random = new Random(1);

        for (var k = 0; k < 2000; k++)
        {
            Assert.False(data.Contains(0, sampler.Sample(random, data.ItemsOf(0))));
        }
    }

    [Fact]
    public void Sample_PopularityExponent_DrawsPopularItemsMoreOften()
    {
        var data = Data();
        var hit = data.Items.IndexOf("hit");
        var uniform = new NegativeSampler(data, 0);
        var popular = new NegativeSampler(data, 1);
        var random = new Random(2);

        // An empty item list shows the raw distribution.
        var uniformHits = Enumerable.Range(0, 5000).Count(_ => uniform.Sample(random, []) == hit);
        var popularHits = Enumerable.Range(0, 5000).Count(_ => popular.Sample(random, []) == hit);

        // Uniform: 1/51 ≈ 2 %; ∝ (count + 1): 51/(51 + 50·2) ≈ 34 %.
        Assert.InRange(uniformHits, 40, 200);
        Assert.InRange(popularHits, 1400, 2000);
    }
}
