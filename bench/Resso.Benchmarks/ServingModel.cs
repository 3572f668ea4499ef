using System.Globalization;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Resso.Ml.Data;
using Resso.Ml.Model;
using Resso.Ml.Store;
using Resso.Shared.Storage;

namespace Resso.Benchmarks;

/// <summary>
/// Publishes a serving-size model (random factors, the traffic generator's song and user ids) into
/// the storage a running self-host uses, for load runs of the listener routes: serving costs depend
/// on the number of songs and the dimension, not on what the factors say.
/// </summary>
internal static class ServingModel
{
    public static async Task<int> PublishAsync(string connectionString, string prefix, int songs, int users, int dimension)
    {
        var random = new Random(7);
        var itemFactors = new float[songs * dimension];
        var userFactors = new float[users * dimension];
        for (var i = 0; i < itemFactors.Length; i++)
        {
            itemFactors[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        }

        for (var i = 0; i < userFactors.Length; i++)
        {
            userFactors[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        }

        var model = new FactorModel(
            new IdMap(Enumerable.Range(0, users).Select(u => string.Create(CultureInfo.InvariantCulture, $"u_{u:D6}"))),
            new IdMap(Enumerable.Range(0, songs).Select(s => string.Create(CultureInfo.InvariantCulture, $"s_{s:D6}"))),
            dimension, userFactors, itemFactors, new float[users], new float[songs]);
        var factors = FactorModelSerializer.ToBytes(model);
        var store = new ModelStore(new BlobServiceClient(connectionString), new StorageNames(prefix), TimeProvider.System);
        var version = store.NewVersion();
        var manifest = new ModelManifest(
            version, DateTimeOffset.UtcNow, new DataWindow(0, users, songs, 0, null, null),
            new Dictionary<string, string> { ["latentDimension"] = dimension.ToString(CultureInfo.InvariantCulture), ["synthetic"] = "true" },
            false, 0, new ModelMetrics(10, 0, 0, 0, 0, 0, 0), new PublishDecision(true, 0, null, null, 0, "synthetic serving-size model for load runs"),
            Convert.ToHexStringLower(SHA256.HashData(factors)), "benchmark");
        await store.SaveAsync(manifest, factors, null);
        await store.PublishAsync(version);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"published {version}: {songs:N0} songs × {dimension}, {users:N0} users ({factors.Length / 1024 / 1024} MiB)"));
        return 0;
    }
}
