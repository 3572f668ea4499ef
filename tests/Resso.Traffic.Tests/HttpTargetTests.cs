using Resso.Shared.Events;
using Resso.Traffic.Generation;
using Resso.Traffic.Sending;

namespace Resso.Traffic.Tests;

public sealed class HttpTargetTests
{
    private static string[] Args(FakeApi api, int events, params string[] more) =>
        ["--url", api.BaseAddress.ToString(), "--key", "test-key", "--events", events.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-progress", .. more];

    [Fact]
    public async Task RunAsync_HttpTarget_PostsBatchesOfAtMost500WithTheKey()
    {
        await using var api = await FakeApi.StartAsync();
        var clock = Builders.Clock();

        var run = await Run.CommandAsync(Args(api, 1_234), clock);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal([500, 500, 234], api.Batches.Select(b => b.Events.Count).Order().Reverse());
        Assert.All(api.Batches, b => Assert.Equal("test-key", b.Key));
        Assert.All(api.Batches, b => Assert.StartsWith("application/json", b.ContentType, StringComparison.Ordinal));
        var expected = new TrafficGenerator(new TrafficOptions { Events = 1_234 }, clock).Generate().Select(e => e.Event);
        Assert.Equal(expected.OrderBy(e => e.EventId, StringComparer.Ordinal), api.Batches.SelectMany(b => b.Events).OrderBy(e => e.EventId, StringComparer.Ordinal));
        Assert.Contains("accepted (server)   1,234", run.Output, StringComparison.Ordinal);
        Assert.Contains("requests sent       3", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SmallerBatch_SplitsAccordingly()
    {
        await using var api = await FakeApi.StartAsync();

        var run = await Run.CommandAsync(Args(api, 1_000, "--batch", "300", "--concurrency", "2"));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal([300, 300, 300, 100], api.Batches.Select(b => b.Events.Count).OrderDescending());
    }

    [Fact]
    public async Task RunAsync_Service503Once_RetriesThatBatch()
    {
        await using var api = await FakeApi.StartAsync(unavailable: 1);

        var run = await Run.CommandAsync(Args(api, 1_000));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(3, api.EventRequests);
        Assert.Equal(2, api.Batches.Count);
        Assert.Equal(1_000, api.Batches.Sum(b => b.Events.Count));
        Assert.Contains("(1 retries)", run.Output, StringComparison.Ordinal);
        Assert.Contains("failures            0 batches", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ServiceKeepsAnswering503_FailsTheBatchAfterTheLastAttempt()
    {
        await using var api = await FakeApi.StartAsync(unavailable: int.MaxValue);
        using var client = new HttpClient();
        var target = new HttpEventTarget(client, api.BaseAddress, "k", TimeProvider.System, new HttpRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1) });
        var events = Builders.Generator(Builders.Options(events: 10)).Generate().Select(e => e.Event).ToList();

        var result = await target.SendAsync(events, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal(3, result.Requests);
        Assert.Equal(2, result.Retries);
        Assert.Contains("503", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_KeyRefused_StopsWithExitCode1()
    {
        await using var api = await FakeApi.StartAsync(eventStatus: 401);

        var run = await Run.CommandAsync(Args(api, 5_000));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--key", run.Error, StringComparison.Ordinal);
        Assert.True(api.EventRequests < 10, $"{api.EventRequests} requests were sent after the key was refused.");
    }

    [Fact]
    public async Task RunAsync_BatchesRejected_CountsFailuresAndExits1()
    {
        await using var api = await FakeApi.StartAsync(eventStatus: 400);

        var run = await Run.CommandAsync(Args(api, 1_000));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(2, api.EventRequests);
        Assert.Contains("failures            2 batches (1,000 events)", run.Output, StringComparison.Ordinal);
        Assert.Contains("HTTP 400", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Catalog_PutsEverySongBeforeTheEvents()
    {
        await using var api = await FakeApi.StartAsync(catalog: true);

        var run = await Run.CommandAsync(Args(api, 600, "--catalog", "--songs", "300", "--clusters", "6"));

        Assert.Equal(0, run.ExitCode);
        var world = SyntheticWorld.Create(new TrafficOptions { Songs = 300, Clusters = 6 });
        Assert.Equal(world.Songs.Select(s => s.Id).Order(StringComparer.Ordinal), api.Songs.Keys.Order(StringComparer.Ordinal));
        Assert.All(world.Songs, s =>
        {
            var (details, _, key) = api.Songs[s.Id];
            Assert.Equal((s.Details.Title, s.Details.Artist, s.Details.Label, s.Details.DurationMs), (details.Title, details.Artist, details.Label, details.DurationMs));
            Assert.Equal(s.Details.Regions, details.Regions);
            Assert.Equal("test-key", key);
        });
        Assert.True(api.Songs.Values.Max(s => s.Sequence) < api.Batches.Min(b => b.Sequence));
        Assert.Contains("catalog songs       300 upserted, 0 failed", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CatalogRouteMissing_WarnsOnceAndSendsTheEvents()
    {
        await using var api = await FakeApi.StartAsync(catalog: false);

        var run = await Run.CommandAsync(Args(api, 600, "--catalog"));

        Assert.Equal(0, run.ExitCode);
        Assert.Single(run.Error.Split('\n'), line => line.Contains("no catalog endpoint", StringComparison.Ordinal));
        Assert.Equal(600, api.Batches.Sum(b => b.Events.Count));
        Assert.Contains("catalog songs       skipped", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CatalogOfAnotherWorld_UploadsThatWorldUnderItsOwnIds()
    {
        await using var api = await FakeApi.StartAsync(catalog: true);

        var run = await Run.CommandAsync(Args(api, 500, "--catalog", "--seed", "7", "--no-wait"));

        Assert.Equal(0, run.ExitCode);
        var world = SyntheticWorld.Create(new TrafficOptions { Seed = 7 });
        Assert.Equal(world.Songs.Select(s => s.Id).Order(StringComparer.Ordinal), api.Songs.Keys.Order(StringComparer.Ordinal));
        Assert.All(api.Songs.Keys, id => Assert.StartsWith("s7_", id, StringComparison.Ordinal));
        Assert.All(world.Songs, s => Assert.Equal(s.Details.Title, api.Songs[s.Id].Details.Title));
        Assert.All(api.Batches.SelectMany(b => b.Events), e => Assert.True(api.Songs.ContainsKey(e.SongId) && e.UserId.StartsWith("u7_", StringComparison.Ordinal), e.EventId));
    }

    [Fact]
    public async Task RunAsync_IfEmptyAndStorageHoldsTraffic_SendsNothing()
    {
        await using var api = await FakeApi.StartAsync();
        var probe = new FakeProbe(empty: false);

        var run = await Run.CommandAsync(Args(api, 600, "--if-empty", "--connection", "UseDevelopmentStorage=true", "--prefix", "abc"), probe: probe.Factory);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(1, api.HealthRequests);
        Assert.Equal(1, probe.Checks);
        Assert.Equal(("UseDevelopmentStorage=true", "abc"), (probe.Connection, probe.Prefix));
        Assert.Equal(0, api.EventRequests);
        Assert.Contains("nothing sent", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_IfEmptyAndStorageEmpty_SendsTheEvents()
    {
        await using var api = await FakeApi.StartAsync();
        var probe = new FakeProbe(empty: true);

        var run = await Run.CommandAsync(Args(api, 600, "--if-empty", "--connection", "UseDevelopmentStorage=true"), probe: probe.Factory);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(("UseDevelopmentStorage=true", ""), (probe.Connection, probe.Prefix));
        Assert.Equal(600, api.Batches.Sum(b => b.Events.Count));
    }

    [Fact]
    public async Task RunAsync_IfEmptyWithoutConnection_ReadsLocalSettings()
    {
        await using var api = await FakeApi.StartAsync();
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(
            Path.Combine(folder.Path, "local.settings.sample.json"),
            """{ "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true", "Resso__Storage__Prefix": "sample" } }""",
            TestContext.Current.CancellationToken);
        var probe = new FakeProbe(empty: true);

        var run = await Run.CommandAsync(Args(api, 10, "--if-empty"), probe: probe.Factory, workingDirectory: folder.Path);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(("UseDevelopmentStorage=true", "sample"), (probe.Connection, probe.Prefix));
    }

    [Fact]
    public async Task RunAsync_IfEmptyWithNoStorageSetting_IsAUsageError()
    {
        await using var api = await FakeApi.StartAsync();
        using var folder = new TempFolder();

        var run = await Run.CommandAsync(Args(api, 10, "--if-empty"), probe: new FakeProbe(true).Factory, workingDirectory: folder.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--connection", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NothingListening_FailsAfterRetries()
    {
        // A port that was free a moment ago: connections are refused.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = await Run.CommandAsync(["--url", $"http://127.0.0.1:{port}", "--events", "10", "--no-progress"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("failures            1 batches (10 events)", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"accepted":42,"duplicates":0}""", 42)]
    [InlineData("""{"queued":42}""", null)]
    [InlineData("", null)]
    [InlineData("not json", null)]
    public void AcceptedCount_Body_ReadsTheAcceptedCount(string body, int? expected)
    {
        Assert.Equal(expected, HttpEventTarget.AcceptedCount(body));
    }

    [Theory]
    [InlineData("http://127.0.0.1:7071", "http://127.0.0.1:7071/api/events")]
    [InlineData("http://127.0.0.1:7071/", "http://127.0.0.1:7071/api/events")]
    [InlineData("http://127.0.0.1:7071/api", "http://127.0.0.1:7071/api/events")]
    [InlineData("https://host/app/", "https://host/app/api/events")]
    public void Events_BaseAddress_IsTheEventsRoute(string baseAddress, string expected)
    {
        Assert.Equal(new Uri(expected), ApiRoutes.Events(new Uri(baseAddress)));
    }

    [Fact]
    public async Task RunAsync_EveryBatch_IsAValidPayloadForTheService()
    {
        await using var api = await FakeApi.StartAsync();

        var run = await Run.CommandAsync(Args(api, 700));

        Assert.Equal(0, run.ExitCode);
        Assert.All(api.Batches.SelectMany(b => b.Events), e => Assert.True(Regions.IsValid(e.Region)));
    }
}
