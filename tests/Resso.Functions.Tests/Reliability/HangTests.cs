using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Offers;
using Resso.Functions.Tests.EndToEnd;
using Resso.Ml.Serving;
using Resso.Ml.Store;
using Resso.Shared.Links;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.Reliability;

/// <summary>
/// Storage that takes requests and never answers (a frozen server, not a stopped one): every route
/// answers by its deadline with 503 and Retry-After, or with its fallback, never after the storage
/// client's two minutes of network timeouts and retries, and never 500.
/// </summary>
public sealed class HangTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    // Generous: a loaded two-core machine; the failure this guards against took two minutes.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    private static async Task<(SelfHostServer Host, StorageFaults Faults, StorageNames Names)> StartAsync(
        AzuriteFixture azurite, Action<IServiceCollection>? services = null, bool shortDeadline = true, bool withModel = false)
    {
        var prefix = AzuriteFixture.UniqueName("h");
        if (withModel)
        {
            // A served model, so that a recommendation reads the user's events and vector, not only the charts.
            var names = new StorageNames(prefix);
            await new BlobContainerClient(azurite.ConnectionString, names.ModelsContainer).CreateIfNotExistsAsync();
            await ModelFallbackTests.SaveAsync(new ModelStore(new BlobServiceClient(azurite.ConnectionString), names, TimeProvider.System), "20261101T000000Z-hang", published: true);
        }

        var faults = new StorageFaults();
        var settings = new Dictionary<string, string?>();
        if (shortDeadline)
        {
            settings["Resso:Storage:RequestTimeout"] = Deadline.ToString();
        }

        var host = await SelfHostServer.StartAsync(azurite.ConnectionString, settings, s =>
        {
            faults.AddTo(s);
            services?.Invoke(s);
        }, storagePrefix: prefix);
        for (var attempt = 0; withModel && host.Get<ModelHolder>().Current is null; attempt++)
        {
            Assert.True(attempt < 100, "the model was not served within 20 s");
            await Task.Delay(200);
        }

        return (host, faults, new StorageNames(host.StoragePrefix));
    }

    private static Func<string, string, bool> TableReads(StorageNames names) =>
        (method, path) => method == "GET" && names.Tables.Any(t => path.Contains("/" + t, StringComparison.Ordinal));

    [Theory]
    [InlineData("/api/users/u_hang/recommendations?region=ID")]
    [InlineData("/api/users/u_hang/mixes?region=ID")]
    [InlineData("/api/trending?region=ID")]
    public async Task ListenerRoute_TableReadsHang_Is503WithRetryAfterByTheDeadline(string path)
    {
        var (host, faults, names) = await StartAsync(azurite, withModel: true);
        await using var _ = host;
        faults.Hang = TableReads(names);

        var took = Stopwatch.StartNew();
        using var response = await host.KeyedClient.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        took.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Equal("urn:resso:problem:storage-unavailable", JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("type").GetString());
        Assert.True(took.Elapsed < Deadline + Slack, $"answered after {took.Elapsed}");
    }

    [Fact]
    public async Task Recommendations_StorageClientTimesOutBeforeTheDeadline_Is503NotA500()
    {
        // The storage client's own network timeout gives up first (its retries end in an
        // AggregateException of TaskCanceledExceptions); the default deadline never fires.
        var (host, faults, names) = await StartAsync(
            azurite,
            s => s.ConfigureAll<TableClientOptions>(o => (o.Retry.NetworkTimeout, o.Retry.Delay) = (TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(50))),
            shortDeadline: false);
        await using var _ = host;
        faults.Hang = TableReads(names);

        var took = Stopwatch.StartNew();
        using var response = await host.KeyedClient.GetAsync(new Uri("/api/users/u_hang/recommendations", UriKind.Relative), TestContext.Current.CancellationToken);
        took.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.True(took.Elapsed < host.Get<StorageGuard>().Timeout, $"answered after {took.Elapsed}: the storage client's timeout should have ended it");
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8)", "https://play.google.com/")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)", "https://apps.apple.com/")]
    public async Task FollowLink_ClaimWritesHang_RedirectsToTheStoreWithoutAClaimByTheDeadline(string userAgent, string store)
    {
        var (host, faults, names) = await StartAsync(azurite);
        await using var _ = host;
        var now = DateTimeOffset.UtcNow;
        var token = host.Get<LinkSigner>().Sign(new LinkClaims("o_hang", "s_hang", "v_hang", "u_hang", "ID", Platform.Android, null, null, 30_000, now.AddMinutes(-1), now.AddDays(1)));
        faults.Hang = (method, path) => method == "POST" && path.Contains("/" + names.ClaimsTable, StringComparison.Ordinal);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/l/{token}");
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);

        var took = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        took.Stop();

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith(store, location, StringComparison.Ordinal);
        Assert.DoesNotContain("claim", location, StringComparison.OrdinalIgnoreCase);
        var expected = host.Get<IOptions<DeepLinkOptions>>().Value;
        Assert.Contains(location, new[] { expected.AndroidStoreUrl, expected.IosStoreUrl });
        Assert.True(took.Elapsed < Deadline + Slack, $"answered after {took.Elapsed}");
    }

    [Fact]
    public async Task Recommendations_ClientsLeaveWhileStorageHangs_NeitherOpenTheCircuitNorLogErrors()
    {
        var logs = new FakeLoggerProvider();
        var (host, faults, names) = await StartAsync(azurite, s => s.AddSingleton<ILoggerProvider>(logs));
        await using var _ = host;
        faults.Hang = TableReads(names);

        // More impatient clients than the circuit needs to open, each gone well before the deadline.
        for (var i = 0; i < 8; i++)
        {
            using var impatient = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            impatient.CancelAfter(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.KeyedClient.GetAsync(new Uri($"/api/users/u_gone{i}/recommendations", UriKind.Relative), impatient.Token));
        }

        await Task.Delay(Deadline, TestContext.Current.CancellationToken);
        faults.Hang = null;
        using var response = await host.KeyedClient.GetAsync(new Uri("/api/users/u_back/recommendations", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(logs.Collector.GetSnapshot(), r => r.Level >= LogLevel.Error);
    }
}
