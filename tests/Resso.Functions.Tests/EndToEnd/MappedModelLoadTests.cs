using Azure.Storage.Blobs;
using Resso.Ml.Scoring;
using Resso.Ml.Serving;
using Resso.Ml.Store;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>
/// Serving loads a published version's item factors into a local delete-on-close file and maps it: the same model as
/// one loaded into arrays, and no file left behind, whether the load succeeds or is refused.
/// </summary>
public sealed class MappedModelLoadTests(AzuriteFixture azurite) : IDisposable
{
    private const string Version = "20261104T000000Z-dddd";
    private readonly string _directory = Directory.CreateTempSubdirectory("resso-mapped-load-").FullName;

    private async Task<(ModelStore Store, BlobContainerClient Container)> SaveAsync(int songs)
    {
        var names = new StorageNames(AzuriteFixture.UniqueName("m"));
        var container = new BlobContainerClient(azurite.ConnectionString, names.ModelsContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var store = new ModelStore(new BlobServiceClient(azurite.ConnectionString), names, TimeProvider.System);
        await ModelFallbackTests.SaveAsync(store, Version, published: true, songs: songs);
        return (store, container);
    }

    [Fact]
    public async Task LoadMappedFactorsAsync_PublishedVersion_ServesAsTheArrayLoad()
    {
        var (store, _) = await SaveAsync(songs: 3_000);
        var manifest = await store.GetManifestAsync(Version, TestContext.Current.CancellationToken);

        var arrays = await store.LoadFactorsAsync(manifest, TestContext.Current.CancellationToken);
        var mapped = await store.LoadMappedFactorsAsync(manifest, _directory, TestContext.Current.CancellationToken);

        Assert.True(mapped.ItemFactorsMapped);
        Assert.Equal(arrays.Items, mapped.Items);
        Assert.Equal(arrays.ItemFactors.ToArray(), mapped.ItemFactors.ToArray());
        var expected = TopKScorer.RecommendForUser(arrays, 0, 20);
        var actual = TopKScorer.RecommendForUser(mapped, 0, 20);
        Assert.Equal(expected.Select(r => r.Item), actual.Select(r => r.Item));
        Assert.Equal(expected.Select(r => r.Score), actual.Select(r => r.Score));
        Assert.Equal(TopKScorer.SimilarItems(arrays, 5, 20), TopKScorer.SimilarItems(mapped, 5, 20));

        // Linux removes the mapped file's name at once; Windows once the model is collected.
        if (!OperatingSystem.IsWindows())
        {
            Assert.Empty(Directory.EnumerateFiles(_directory));
        }
    }

    [Theory]
    [InlineData("checksum mismatch")]
    [InlineData("missing factors")]
    public async Task LoadMappedFactorsAsync_UnreadableBlob_IsRefusedAndLeavesNoFile(string corruption)
    {
        var (store, container) = await SaveAsync(songs: 40);
        var manifest = await store.GetManifestAsync(Version, TestContext.Current.CancellationToken);
        var blob = container.GetBlobClient($"{Version}/factors.bin");
        if (corruption == "missing factors")
        {
            await blob.DeleteAsync(cancellationToken: TestContext.Current.CancellationToken);
        }
        else
        {
            var bytes = (await blob.DownloadContentAsync(TestContext.Current.CancellationToken)).Value.Content.ToArray();
            bytes[bytes.Length / 2] ^= 0x5A;
            await blob.UploadAsync(new BinaryData(bytes), overwrite: true, TestContext.Current.CancellationToken);
        }

        await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadMappedFactorsAsync(manifest, _directory, TestContext.Current.CancellationToken));

        Assert.Empty(Directory.EnumerateFiles(_directory));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Refresh_PublishedVersion_ServesItemFactorsAsConfiguredWithTheSameResults(bool map)
    {
        var prefix = AzuriteFixture.UniqueName("m");
        var store = new ModelStore(new BlobServiceClient(azurite.ConnectionString), new StorageNames(prefix), TimeProvider.System);
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString,
            new Dictionary<string, string?> { ["Resso:Training:MapItemFactors"] = map ? "true" : "false" }, storagePrefix: prefix);
        await ModelFallbackTests.SaveAsync(store, Version, published: true, songs: 3_000);

        await host.Get<ModelRefresher>().RefreshAsync(TestContext.Current.CancellationToken);

        var served = host.Get<ModelHolder>().Current!.Factors;
        var arrays = await store.LoadFactorsAsync(await store.GetManifestAsync(Version, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        Assert.Equal(map, served.ItemFactorsMapped);
        Assert.Equal(TopKScorer.RecommendForUser(arrays, 0, 50), TopKScorer.RecommendForUser(served, 0, 50));
        Assert.Equal(TopKScorer.SimilarItems(arrays, 9, 50), TopKScorer.SimilarItems(served, 9, 50));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
