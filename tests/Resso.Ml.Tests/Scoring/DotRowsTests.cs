using System.Numerics.Tensors;
using Resso.Ml.Scoring;

namespace Resso.Ml.Tests.Scoring;

public sealed class DotRowsTests
{
    [Theory]
    [InlineData(8, 1)]
    [InlineData(8, 7)]
    [InlineData(16, 9)]
    [InlineData(20, 5)]
    [InlineData(64, 1027)]
    [InlineData(128, 6)]
    [InlineData(3, 4)]
    public void DotRows_AnyDimensionAndRowCount_MatchesDotPerRow(int dimension, int rows)
    {
        var random = new Random(dimension * 31 + rows);
        var vector = Enumerable.Range(0, dimension).Select(_ => random.NextSingle() - 0.5f).ToArray();
        var matrix = Enumerable.Range(0, dimension * rows).Select(_ => random.NextSingle() - 0.5f).ToArray();
        var scores = new float[rows];

        TopKScorer.DotRows(vector, matrix, scores);

        for (var r = 0; r < rows; r++)
        {
            Assert.Equal(TensorPrimitives.Dot(vector, matrix.AsSpan(r * dimension, dimension)), scores[r], 1e-5f);
        }
    }

    [Fact]
    public void ScoreAll_EqualsModelScoreWithoutUserBias()
    {
        var model = ModelBuilder.Random(users: 3, items: 203, dimension: 16);
        var scores = new float[model.ItemCount];

        TopKScorer.ScoreAll(model, model.UserVector(1), scores);

        for (var item = 0; item < model.ItemCount; item++)
        {
            Assert.Equal(model.Score(1, item) - model.UserBiases[1], scores[item], 1e-5f);
        }
    }
}
