using System.Net;
using System.Text.Json;
using Azure.Storage.Blobs;
using Resso.Ml.Store;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>
/// <c>GET /api/model/versions</c>: every saved candidate, newest first, published or refused, paged; and
/// <c>GET /api/model</c>, which shows each manifest once and links to them.
/// </summary>
public sealed class ModelVersionsTests(AzuriteFixture azurite)
{
    private const string First = "20261101T000000Z-aaaa", Refused = "20261102T000000Z-bbbb", Second = "20261103T000000Z-cccc";

    /// <summary>Two published versions (the second current) and a refused one between them.</summary>
    private async Task<(string Prefix, BlobContainerClient Container)> SaveThreeAsync()
    {
        var prefix = AzuriteFixture.UniqueName("v");
        var names = new StorageNames(prefix);
        var container = new BlobContainerClient(azurite.ConnectionString, names.ModelsContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var store = new ModelStore(new BlobServiceClient(azurite.ConnectionString), names, TimeProvider.System);
        await ModelFallbackTests.SaveAsync(store, First, published: true);
        await ModelFallbackTests.SaveAsync(store, Refused, published: false);
        await ModelFallbackTests.SaveAsync(store, Second, published: true);
        return (prefix, container);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(SelfHostServer host, string path)
    {
        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone());
    }

    private static string[] Versions(JsonElement body) => [.. body.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()!)];

    // A manifest's own field, so its occurrences in an answer count the manifests in it.
    private static int Manifests(JsonElement body) => body.GetRawText().Split("\"factorsSha256\"").Length - 1;

    [Fact]
    public async Task GetModel_LastDecisionIsTheCurrentVersion_ShowsItsManifestOnceAndLinksTheVersions()
    {
        var (prefix, _) = await SaveThreeAsync();
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, storagePrefix: prefix);

        var (status, body) = await GetAsync(host, "/api/model");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Second, body.GetProperty("current").GetProperty("version").GetString());
        var last = body.GetProperty("lastDecision");
        Assert.Equal((Second, true, "test: published"), (last.GetProperty("version").GetString(), last.GetProperty("published").GetBoolean(), last.GetProperty("reason").GetString()));
        Assert.Equal(body.GetProperty("current").GetProperty("createdAt").GetDateTimeOffset(), last.GetProperty("decidedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, last.GetProperty("manifest").ValueKind);
        Assert.Equal(1, Manifests(body));

        // The link leads to every version, the current one first.
        var versions = body.GetProperty("links").GetProperty("versions").GetString()!;
        Assert.Equal("/api/model/versions", versions);
        var (listed, page) = await GetAsync(host, versions);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal([Second, Refused, First], Versions(page));
    }

    [Fact]
    public async Task GetModel_LastCandidateRefused_ShowsTheCurrentAndTheCandidatesManifest()
    {
        const string Candidate = "20261104T000000Z-dddd";
        var (prefix, _) = await SaveThreeAsync();
        await ModelFallbackTests.SaveAsync(new ModelStore(new BlobServiceClient(azurite.ConnectionString), new StorageNames(prefix), TimeProvider.System), Candidate, published: false);
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, storagePrefix: prefix);

        var (status, body) = await GetAsync(host, "/api/model");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((Second, Second), (body.GetProperty("version").GetString(), body.GetProperty("current").GetProperty("version").GetString()));
        var last = body.GetProperty("lastDecision");
        Assert.Equal((Candidate, false, "test: refused"), (last.GetProperty("version").GetString(), last.GetProperty("published").GetBoolean(), last.GetProperty("reason").GetString()));
        var manifest = last.GetProperty("manifest");
        Assert.Equal((Candidate, false), (manifest.GetProperty("version").GetString(), manifest.GetProperty("decision").GetProperty("published").GetBoolean()));
        Assert.Equal(0.2, manifest.GetProperty("metrics").GetProperty("ndcg").GetDouble());
        Assert.Equal(2, Manifests(body));
    }

    [Fact]
    public async Task GetVersions_ThreeSaved_NewestFirstWithPublishedAndCurrentFlags()
    {
        var (prefix, _) = await SaveThreeAsync();
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, storagePrefix: prefix);

        var (status, body) = await GetAsync(host, "/api/model/versions");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Second, body.GetProperty("current").GetString());
        Assert.Equal([Second, Refused, First], Versions(body));
        var versions = body.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal([true, false, true], versions.Select(v => v.GetProperty("published").GetBoolean()));
        Assert.Equal([true, false, false], versions.Select(v => v.GetProperty("current").GetBoolean()));
        Assert.Equal("test: refused", versions[1].GetProperty("decision").GetProperty("reason").GetString());
        Assert.False(versions[1].GetProperty("decision").GetProperty("published").GetBoolean());
        Assert.Equal(0.2, versions[0].GetProperty("metrics").GetProperty("ndcg").GetDouble());
        Assert.Equal(100, versions[0].GetProperty("data").GetProperty("events").GetInt64());
        Assert.Equal("test", versions[0].GetProperty("trigger").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("next").ValueKind);
        Assert.Equal(0, body.GetProperty("unreadable").GetInt32());
    }

    [Fact]
    public async Task GetVersions_PagedByCount_NextLeadsToTheOlderVersionsAndEnds()
    {
        var (prefix, _) = await SaveThreeAsync();
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, storagePrefix: prefix);

        var (_, first) = await GetAsync(host, "/api/model/versions?count=2");
        var next = first.GetProperty("next").GetString();
        var (status, second) = await GetAsync(host, $"/api/model/versions?count=2&before={next}");

        Assert.Equal([Second, Refused], Versions(first));
        Assert.Equal(Refused, next);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([First], Versions(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Equal(Second, second.GetProperty("current").GetString());
    }

    [Fact]
    public async Task GetVersions_GarbledManifest_CountedAsUnreadableNotAnError()
    {
        var (prefix, container) = await SaveThreeAsync();
        await container.GetBlobClient($"{Refused}/manifest.json").UploadAsync(BinaryData.FromString("{\"version\": \"" + Refused + "\", garbage"), overwrite: true, TestContext.Current.CancellationToken);
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, storagePrefix: prefix);

        var (status, body) = await GetAsync(host, "/api/model/versions");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([Second, First], Versions(body));
        Assert.Equal(1, body.GetProperty("unreadable").GetInt32());
    }

    [Fact]
    public async Task GetVersions_NothingTrained_EmptyWithNoCurrent()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);

        var (status, body) = await GetAsync(host, "/api/model/versions");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("current").ValueKind);
        Assert.Empty(Versions(body));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task GetVersions_BadCount_Is400NamingCount()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);

        foreach (var count in new[] { "0", "101", "ten", "-1" })
        {
            var (status, body) = await GetAsync(host, $"/api/model/versions?count={count}");

            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("urn:resso:problem:validation", body.GetProperty("type").GetString());
            Assert.True(body.GetProperty("errors").TryGetProperty("count", out _), body.ToString());
        }
    }
}
