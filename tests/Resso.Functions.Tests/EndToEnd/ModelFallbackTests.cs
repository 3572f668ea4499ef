using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs;
using Resso.Ml.Data;
using Resso.Ml.Model;
using Resso.Ml.Serving;
using Resso.Ml.Store;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>
/// A published model that cannot be read, met by an instance with no model in memory (a restart, a
/// scale-out): it serves the newest readable published version instead of none, and says so.
/// </summary>
public sealed class ModelFallbackTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> FastPolling = new() { ["Resso:Training:ModelPollInterval"] = "00:00:01" };

    public static TheoryData<string> Corruptions() =>
        ["missing factors", "checksum mismatch", "garbage manifest", "garbage current.json", "garbage current.json + missing factors"];

    /// <summary>A small model of <paramref name="songs"/> songs, saved as a version whose manifest records the decision.</summary>
    internal static async Task SaveAsync(ModelStore store, string version, bool published, int songs = 12)
    {
        const int D = 8;
        var random = new Random(version.GetHashCode(StringComparison.Ordinal));
        var items = new IdMap(Enumerable.Range(0, songs).Select(i => $"s_{i}"));
        var factors = new FactorModel(new IdMap(["u_1"]), items, D,
            [.. Enumerable.Range(0, D).Select(_ => random.NextSingle())], [.. Enumerable.Range(0, songs * D).Select(_ => random.NextSingle())], new float[1], new float[songs]);
        var bytes = FactorModelSerializer.ToBytes(factors);
        var manifest = new ModelManifest(version, DateTimeOffset.UtcNow, new DataWindow(100, 1, songs, songs, null, null), new Dictionary<string, string>(), false, 1,
            new ModelMetrics(10, 1, 0.2, 0.1, 0.1, 0.5, 0.1), new PublishDecision(published, 0.2, null, null, 0.01, published ? "test: published" : "test: refused"),
            Convert.ToHexStringLower(SHA256.HashData(bytes)), "test");
        await store.SaveAsync(manifest, bytes, null);
        if (published)
        {
            await store.PublishAsync(version);
        }
    }

    private static async Task CorruptAsync(BlobContainerClient container, string version, string corruptions)
    {
        foreach (var corruption in corruptions.Split(" + "))
        {
            await CorruptOneAsync(container, version, corruption);
        }
    }

    private static async Task CorruptOneAsync(BlobContainerClient container, string version, string corruption)
    {
        switch (corruption)
        {
            case "missing factors":
                await container.GetBlobClient($"{version}/factors.bin").DeleteAsync();
                break;
            case "checksum mismatch":
                var factors = (await container.GetBlobClient($"{version}/factors.bin").DownloadContentAsync()).Value.Content.ToArray();
                factors[factors.Length / 2] ^= 0x5A;
                await container.GetBlobClient($"{version}/factors.bin").UploadAsync(new BinaryData(factors), overwrite: true);
                break;
            case "garbage manifest":
                await container.GetBlobClient($"{version}/manifest.json").UploadAsync(BinaryData.FromString("{\"version\": \"" + version + "\", garbage"), overwrite: true);
                break;
            default:
                await container.GetBlobClient("current.json").UploadAsync(BinaryData.FromString("\u0000not a pointer"), overwrite: true);
                break;
        }
    }

    /// <summary>Two published versions (the second current), a refused one between them; returns the names, oldest first.</summary>
    private async Task<(string First, string Refused, string Second, BlobContainerClient Container, ModelStore Store)> PublishTwoAsync(string prefix)
    {
        var names = new StorageNames(prefix);
        var container = new BlobContainerClient(azurite.ConnectionString, names.ModelsContainer);
        await container.CreateIfNotExistsAsync();
        var store = new ModelStore(new BlobServiceClient(azurite.ConnectionString), names, TimeProvider.System);
        var (first, refused, second) = ("20261101T000000Z-aaaa", "20261102T000000Z-bbbb", "20261103T000000Z-cccc");
        await SaveAsync(store, first, published: true);
        await SaveAsync(store, refused, published: false);
        await SaveAsync(store, second, published: true, songs: 16);
        return (first, refused, second, container, store);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(SelfHostServer host, string path)
    {
        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone());
    }

    /// <summary>Health once the instance has looked at the published model.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> HealthAfterTheFirstLookAsync(SelfHostServer host)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (status, body) = await GetAsync(host, "/api/health");
            if (body.GetProperty("model").GetProperty("status").GetString() != "unknown" || attempt == 100)
            {
                return (status, body);
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task Restart_CurrentModelUnreadable_ServesTheNewestReadablePublishedOneAndSaysSo(string corruption)
    {
        var prefix = AzuriteFixture.UniqueName("f");
        var (first, _, second, container, _) = await PublishTwoAsync(prefix);
        await CorruptAsync(container, second, corruption);
        var pointerUnreadable = corruption.StartsWith("garbage current.json", StringComparison.Ordinal);

        // With only the pointer unreadable, the second version is the newest readable published one.
        var fallback = corruption == "garbage current.json" ? second : first;

        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, FastPolling, storagePrefix: prefix);
        var (healthStatus, health) = await HealthAfterTheFirstLookAsync(host);

        Assert.Equal(fallback, host.Get<ModelHolder>().Current?.Version);
        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        var model = health.GetProperty("model");
        Assert.Equal("degraded", model.GetProperty("status").GetString());
        Assert.Equal(fallback, model.GetProperty("serving").GetString());
        Assert.Equal(pointerUnreadable ? null : second, model.GetProperty("current").GetString());
        Assert.Contains(pointerUnreadable ? "current.json is unreadable" : $"model {second} is unreadable", model.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var (modelStatus, status) = await GetAsync(host, "/api/model");
        Assert.Equal(HttpStatusCode.OK, modelStatus);
        Assert.Equal("degraded", status.GetProperty("status").GetString());
        Assert.Equal(fallback, status.GetProperty("servedVersion").GetString());
        Assert.Equal(pointerUnreadable ? null : second, status.GetProperty("version").GetString());
        Assert.Contains("unreadable", status.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poll_NothingServedAndTheNewPublishedModelUnreadable_ServesThePreviousPublishedOne()
    {
        var prefix = AzuriteFixture.UniqueName("f");
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, FastPolling, storagePrefix: prefix);
        var (first, _, second, container, _) = await PublishTwoAsync(prefix);
        await CorruptAsync(container, second, "checksum mismatch");

        await host.Get<ModelRefresher>().RefreshAsync(TestContext.Current.CancellationToken);

        Assert.Equal(first, host.Get<ModelHolder>().Current?.Version);
        Assert.Equal(new ModelServingStatus(true, second, first, host.Get<ModelRefresher>().Status.Reason), host.Get<ModelRefresher>().Status);
    }

    [Fact]
    public async Task Restart_CurrentModelReadable_IsHealthyAndServesIt()
    {
        var prefix = AzuriteFixture.UniqueName("f");
        var (_, _, second, _, _) = await PublishTwoAsync(prefix);

        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, FastPolling, storagePrefix: prefix);
        var (healthStatus, health) = await HealthAfterTheFirstLookAsync(host);

        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("healthy", health.GetProperty("model").GetProperty("status").GetString());
        Assert.Equal(second, health.GetProperty("model").GetProperty("serving").GetString());
        var (_, status) = await GetAsync(host, "/api/model");
        Assert.Equal("healthy", status.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("reason").ValueKind);
    }
}
