using Resso.Ml.Data;
using Resso.Ml.Model;

namespace Resso.Ml.Tests;

/// <summary>Random factor models for scoring and serialization tests.</summary>
internal static class ModelBuilder
{
    public static FactorModel Random(int users = 5, int items = 200, int dimension = 8, int seed = 3)
    {
        var random = new Random(seed);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        return new FactorModel(
            new IdMap(Enumerable.Range(0, users).Select(u => $"user-{u}")),
            new IdMap(Enumerable.Range(0, items).Select(i => $"song-{i}-é")),
            dimension,
            [.. Enumerable.Range(0, users * dimension).Select(_ => Next())],
            [.. Enumerable.Range(0, items * dimension).Select(_ => Next())],
            [.. Enumerable.Range(0, users).Select(_ => Next())],
            [.. Enumerable.Range(0, items).Select(_ => Next() * 0.1f)]);
    }
}
