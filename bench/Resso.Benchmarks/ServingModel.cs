using System.Globalization;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Resso.Ml.Benchmarks;
using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Model;
using Resso.Ml.Ranking;
using Resso.Ml.Store;
using Resso.Shared.Storage;

namespace Resso.Benchmarks;

/// <summary>
/// Publishes a serving-size model (random factors, the traffic generator's song and user ids) into
/// the storage a running self-host uses, for load runs of the listener routes: serving costs depend
/// on the number of songs and the dimension, not on what the factors say. By default with the
/// two-stage pipeline a training of that size produces (<see cref="PipelineModel"/> in Ranker mode:
/// implicit-ALS song factors, popularity, the LightGBM ranker; no EASE, which training leaves out
/// above <see cref="EaseNeighbours.MaxDenseDimension"/> listeners and songs); with
/// <c>ffmOnly</c> the FFM factors alone, as models were served before the pipeline.
/// </summary>
internal static class ServingModel
{
    /// <summary>The ALS generator's dimension (<see cref="PipelineTrainingOptions.AlsFactors"/>).</summary>
    private const int AlsFactors = 64;

    public static async Task<int> PublishAsync(string connectionString, string prefix, int songs, int users, int dimension, bool ffmOnly)
    {
        var random = new Random(7);
        var itemFactors = RandomFactors(random, songs * dimension);
        var userFactors = RandomFactors(random, users * dimension);
        var model = new FactorModel(
            new IdMap(Enumerable.Range(0, users).Select(u => string.Create(CultureInfo.InvariantCulture, $"u_{u:D6}"))),
            new IdMap(Enumerable.Range(0, songs).Select(s => string.Create(CultureInfo.InvariantCulture, $"s_{s:D6}"))),
            dimension, userFactors, itemFactors, new float[users], new float[songs]);
        var factors = FactorModelSerializer.ToBytes(model);
        var parameters = new Dictionary<string, string>
        {
            ["latentDimension"] = dimension.ToString(CultureInfo.InvariantCulture),
            ["synthetic"] = "true",
        };
        byte[]? pipelineBytes = null;
        var described = "FFM factors alone";
        if (!ffmOnly)
        {
            var pipeline = Pipeline(random, model, users);
            pipelineBytes = PipelineSerializer.ToBytes(pipeline);
            parameters["mode"] = pipeline.Mode.ToString().ToLowerInvariant();
            parameters["rankerTrees"] = pipeline.Ranker!.TreeCount.ToString(CultureInfo.InvariantCulture);
            parameters["alsFactors"] = AlsFactors.ToString(CultureInfo.InvariantCulture);
            parameters["easeLambda"] = "not trained";
            parameters["candidatesPerGenerator"] = pipeline.CandidatesPerGenerator.ToString(CultureInfo.InvariantCulture);
            described = string.Create(CultureInfo.InvariantCulture,
                $"pipeline in {pipeline.Mode} mode: ALS {songs:N0} × {AlsFactors}, no EASE, ranker of {pipeline.Ranker.TreeCount} trees, {pipeline.CandidatesPerGenerator} candidates per generator ({pipelineBytes.Length / 1024 / 1024} MiB)");
        }

        var store = new ModelStore(new BlobServiceClient(connectionString), new StorageNames(prefix), TimeProvider.System);
        var version = store.NewVersion();
        var manifest = new ModelManifest(
            version, DateTimeOffset.UtcNow, new DataWindow(0, users, songs, 0, null, null), parameters,
            false, 0, new ModelMetrics(10, 0, 0, 0, 0, 0, 0), new PublishDecision(true, 0, null, null, 0, "synthetic serving-size model for load runs"),
            Convert.ToHexStringLower(SHA256.HashData(factors)), "benchmark")
        {
            PipelineSha256 = pipelineBytes is null ? null : Convert.ToHexStringLower(SHA256.HashData(pipelineBytes)),
        };
        await store.SaveAsync(manifest, factors, null, pipelineBytes);
        await store.PublishAsync(version);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"published {version}: {songs:N0} songs × {dimension}, {users:N0} users ({factors.Length / 1024 / 1024} MiB); {described}"));
        return 0;
    }

    /// <summary>
    /// What <see cref="PipelineTrainer"/> would produce over <paramref name="ffm"/>'s songs from <paramref name="users"/> listeners: random
    /// ALS song factors, popularity from a Zipf draw of listens, the ranker trained with the product's settings on synthetic
    /// candidate rows, 50 candidates per generator.
    /// </summary>
    private static PipelineModel Pipeline(Random random, FactorModel ffm, int users)
    {
        var songs = ffm.ItemCount;
        var als = new FactorModel(IdMap.Empty, ffm.Items, AlsFactors, [], RandomFactors(random, songs * AlsFactors), [], new float[songs]);

        // log(1 + listeners) per song: 20 songs per listener drawn from a Zipf law (exponent 1) over a random order of the songs,
        // no song with more listeners than there are; the last week's a quarter as many.
        var order = Enumerable.Range(0, songs).ToArray();
        random.Shuffle(order);
        var cumulative = new double[songs];
        var sum = 0.0;
        for (var r = 0; r < songs; r++)
        {
            sum += 1.0 / (r + 1);
            cumulative[r] = sum;
        }

        var popularity = ZipfListeners(random, order, cumulative, users * 20L, users);
        var recent = ZipfListeners(random, order, cumulative, users * 5L, users);

        // The product's LightGBM settings on 10,000 synthetic candidate rows, as the ranking benchmark trains them.
        var ranker = RankerTrainer.Train(SyntheticRanker.CandidateRows(random, groups: 200, perGroup: 50), new RankerTrainingOptions()).Model;
        var options = new PipelineTrainingOptions();
        return new PipelineModel(ffm.Items, PipelineMode.Ranker, ffm, als, new ImplicitAlsOptions { Factors = AlsFactors, Iterations = options.AlsIterations },
            ease: null, popularity, recent, ranker, options.CandidatesPerGenerator);
    }

    /// <summary>
    /// log(1 + count) per song after <paramref name="draws"/> Zipf draws, counts capped at <paramref name="listeners"/>; the song of rank r
    /// is <paramref name="order"/>[r].
    /// </summary>
    private static float[] ZipfListeners(Random random, int[] order, double[] cumulative, long draws, int listeners)
    {
        var counts = new int[order.Length];
        var total = cumulative[^1];
        for (var d = 0L; d < draws; d++)
        {
            var rank = Array.BinarySearch(cumulative, random.NextDouble() * total);
            counts[order[rank < 0 ? Math.Min(~rank, order.Length - 1) : rank]]++;
        }

        return [.. counts.Select(c => MathF.Log(1 + Math.Min(c, listeners)))];
    }

    private static float[] RandomFactors(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        }

        return values;
    }
}
