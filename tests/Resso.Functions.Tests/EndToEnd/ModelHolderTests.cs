using Resso.Ml.Data;
using Resso.Ml.Model;
using Resso.Ml.Serving;
using Resso.Ml.Store;

namespace Resso.Functions.Tests.EndToEnd;

public sealed class ModelHolderTests
{
    private static ServingModel Model(int songs, string version)
    {
        const int D = 8;
        var items = new IdMap(Enumerable.Range(0, songs).Select(i => $"s_{i}"));
        var factors = new FactorModel(new IdMap(["u_1"]), items, D, new float[D], Enumerable.Repeat(1f, songs * D).ToArray(), new float[1], new float[songs]);
        var manifest = new ModelManifest(version, default, new DataWindow(0, 1, songs, 0, null, null), new Dictionary<string, string>(), false, 0,
            new ModelMetrics(10, 0, 0, 0, 0, 0, 0), new PublishDecision(true, 0, null, null, 0, ""), "", "test");
        return new ServingModel(manifest, factors, new Dictionary<string, IReadOnlyList<string>>(), default);
    }

    [Fact]
    public async Task Swap_UnderConcurrentReads_ReadersOnlyEverSeeWholeModels()
    {
        var holder = new ModelHolder();
        holder.Swap(Model(100, "v100"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var torn = 0;
        var reads = 0L;

        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var model = holder.Current!;
                // A model's version names its size; a half-swapped model would disagree with itself.
                if (model.Version != $"v{model.Factors.ItemCount}" || model.Factors.ItemFactors.Length != model.Factors.ItemCount * 8)
                {
                    Interlocked.Increment(ref torn);
                }

                Interlocked.Increment(ref reads);
            }
        })).ToArray();
        var swaps = 0;
        while (!stop.IsCancellationRequested)
        {
            var songs = 100 + (swaps++ % 50);
            holder.Swap(Model(songs, $"v{songs}"));
        }

        await Task.WhenAll(readers);
        Assert.Equal(0, torn);
        Assert.True(swaps > 10 && reads > 1000, $"{swaps} swaps, {reads} reads");
    }
}
