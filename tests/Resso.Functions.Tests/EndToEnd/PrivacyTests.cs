using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Resso.Functions.Core.Privacy;
using Resso.Shared.Attribution;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Privacy;
using Resso.Shared.Storage;
using Resso.Testing;
using Resso.Traffic.Generation;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>
/// A listener's data over real HTTP and Azurite: export, erasure checked by scanning every byte of
/// every store for the user's id, and the retention of raw events.
/// </summary>
public sealed class PrivacyTests(AzuriteFixture azurite)
{
    // Long and distinctive, so that a hit is the id and not a coincidence, and so that its base64 has a stable middle.
    private const string Erased = "u_erased_listener_7f3k";
    private const string Kept = "u_kept_listener_q29m";

    private static readonly Dictionary<string, string?> Settings = new(RecommenderHarness.FastTraining)
    {
        ["Resso:Privacy:MarkerPollInterval"] = "00:00:01",
    };

    [Fact]
    public async Task Erase_UserSeededInEveryStore_ScanFindsTheIdNowhereOthersIntactTotalsUnchanged()
    {
        var prefix = AzuriteFixture.UniqueName("pv");
        var names = new StorageNames(prefix);
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, Settings, s => s.AddSingleton(FastQueues), storagePrefix: prefix);
        await using var other = await SelfHostServer.StartAsync(azurite.ConnectionString, Settings, s => s.AddSingleton(FastQueues), storagePrefix: prefix);

        // A world to train on, and the two listeners with every action on songs the model will know.
        var world = new TrafficGenerator(new TrafficOptions { Events = 3_000, Users = 150, Songs = 80, Clusters = 4, Seed = 11, DuplicateRate = 0, Days = 2, FavouriteClusterShare = 0.9 }, TimeProvider.System)
            .Generate().Select(g => g.Event).ToList();
        var songs = world.GroupBy(e => e.SongId).OrderByDescending(g => g.Count()).Take(6).Select(g => g.Key).ToList();
        foreach (var song in songs)
        {
            (await PutSongAsync(host, song, new { title = "Lagu " + song, artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = Array.Empty<string>() })).EnsureSuccessStatusCode();
        }

        var listeners = new List<SongUsedEvent>();
        foreach (var user in new[] { Erased, Kept })
        {
            foreach (var (action, i) in Enum.GetValues<SongAction>().Select((a, i) => (a, i)))
            {
                listeners.Add(Events.Valid(userId: user, songId: songs[i % songs.Count], action: action) with { VideoId = "v_clip" + i });
            }
        }

        var all = world.Concat(listeners).ToList();
        await RecommenderHarness.SendAsync(azurite, host, all, all.Select(e => (e.UserId, e.EventId)).Distinct().Count());

        // A message with one valid and one invalid event of the user, enqueued directly: the invalid one lands in the poison queue.
        var invalid = JsonSerializer.SerializeToNode(Events.Valid(userId: Erased, songId: songs[0]), EventJsonContext.Default.SongUsedEvent)!;
        invalid["action"] = "dance";
        var direct = Events.Valid(userId: Erased, songId: songs[1], action: SongAction.Like);
        await Queue(azurite, names.SongUsedQueue).SendMessageAsync(BinaryData.FromString(
            $"{{\"events\":[{JsonSerializer.Serialize(direct, EventJsonContext.Default.SongUsedEvent)},{invalid.ToJsonString()}]}}"));
        var poisonQueue = Queue(azurite, names.SongUsedPoisonQueue);
        for (var deadline = DateTime.UtcNow.AddSeconds(60); (await poisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(200);
        }
        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), all.Count + 1);
        var erasedEvents = listeners.Count(e => e.UserId == Erased) + 1;

        var model = await RecommenderHarness.RetrainAndWaitAsync(host);
        Assert.True(model.GetProperty("lastDecision").GetProperty("published").GetBoolean(), model.ToString());
        await WaitForServedAsync(other, model.GetProperty("servedVersion").GetString()!);

        // Offers, link follows, claims and conversions of both; the erased user's followed by a paid conversion too.
        foreach (var user in new[] { Erased, Kept })
        {
            var code = await FollowToClaimAsync(host, songs[0], user);
            (await host.Client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null)).EnsureSuccessStatusCode();
            (await SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(new
            {
                // Billing's ids are opaque; erasure keeps them as they are (they key the row).
                conversionId = "conv_" + Guid.NewGuid().ToString("N"),
                userId = user,
                plan = "premium-monthly",
                amount = 0,
                currency = "IDR",
                occurredAt = DateTimeOffset.UtcNow,
                trial = true,
                claimCode = code,
            }))).EnsureSuccessStatusCode();
        }

        await host.Get<AnalyticsWriter>().FlushAsync();
        (await SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(new
        {
            conversionId = "conv_paid_" + Guid.NewGuid().ToString("N"), userId = Erased, plan = "premium-monthly", amount = 54990, currency = "IDR", occurredAt = DateTimeOffset.UtcNow,
        }))).EnsureSuccessStatusCode();

        // Fold-ins (stored by the request), and what the other instance caches: recommendations and the subscription state.
        foreach (var user in new[] { Erased, Kept })
        {
            Assert.True((await RecommendationsAsync(host, user)).GetProperty("personalized").GetBoolean());
        }

        Assert.True((await RecommendationsAsync(other, Erased)).GetProperty("personalized").GetBoolean());
        Assert.Equal("open_in_app", await OfferKindAsync(other, songs[0], Erased));
        await host.Get<AnalyticsWriter>().FlushAsync();
        await other.Get<AnalyticsWriter>().FlushAsync();

        // What the export holds before the erasure.
        var export = await ExportAsync(host, Erased);
        Assert.Equal(erasedEvents, export.GetProperty("events").GetArrayLength());
        Assert.Equal(erasedEvents, export.GetProperty("eventLog").EnumerateArray().Sum(b => b.GetProperty("events").GetArrayLength()));
        Assert.True(export.GetProperty("interactions").GetArrayLength() > 0);
        Assert.Equal(2, export.GetProperty("conversions").GetArrayLength());
        Assert.Equal(1, export.GetProperty("clicks").GetArrayLength());
        Assert.Equal(1, export.GetProperty("claims").GetArrayLength());
        Assert.True(export.GetProperty("subscription").GetProperty("isSubscriber").GetBoolean());
        Assert.Equal(JsonValueKind.Object, export.GetProperty("foldIn").ValueKind);
        Assert.Equal(JsonValueKind.Object, export.GetProperty("model").ValueKind);
        var keptBefore = await ExportAsync(host, Kept);

        var reportBefore = await ReportAsync(host);
        // The scan finds the user wherever the user is held: it can fail.
        var scanBefore = (await ScanAsync(names, Erased)).Select(f => f[..f.IndexOf(':', StringComparison.Ordinal)]).ToHashSet();
        Assert.Superset(
            new HashSet<string>
            {
                names.InteractionsTable, names.EventLogContainer, names.UserFactorsTable, names.ClicksTable, names.ClaimsTable,
                names.ConversionsTable, names.SubscriptionsTable, names.SongUsedPoisonQueue, names.ModelsContainer,
            },
            scanBefore);

        // Erase, then an event of the user arrives after the erasure.
        using var erase = await SendAsync(host, HttpMethod.Delete, $"/api/users/{Erased}", null);
        Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        var report = JsonDocument.Parse(await erase.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(erasedEvents, report.GetProperty("deleted").GetProperty("interactions").GetInt32());
        Assert.Equal(erasedEvents, report.GetProperty("deleted").GetProperty("event-log").GetInt32());
        Assert.Equal(1, report.GetProperty("deleted").GetProperty("userfactors").GetInt32());
        Assert.Equal(2, report.GetProperty("pseudonymized").GetProperty("conversions").GetInt32());
        Assert.True(report.GetProperty("deleted").GetProperty("poison").GetInt32() >= 1);
        Assert.NotEmpty(report.GetProperty("modelVersions").EnumerateArray());

        // The other instance no longer serves what it cached for the user; the report is what it was.
        Assert.False((await RecommendationsAsync(other, Erased)).GetProperty("personalized").GetBoolean());
        Assert.Equal(reportBefore, await ReportAsync(host));
        Assert.NotEqual("open_in_app", await OfferKindAsync(other, songs[0], Erased));

        // An event of the user sent after the erasure is dropped.
        var late = Events.Valid(userId: Erased, songId: songs[2], action: SongAction.Share);
        (await PostAsync(other, JsonSerializer.SerializeToElement(late, EventJsonContext.Default.SongUsedEvent))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), all.Count + 1 - erasedEvents);
        Assert.Equal(all.Count + 1 - erasedEvents, await host.Get<InteractionStore>().CountEventsAsync());

        // The same erasure again erases nothing more.
        using var again = await SendAsync(host, HttpMethod.Delete, $"/api/users/{Erased}", null);
        var second = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.All(second.GetProperty("deleted").EnumerateObject().Concat(second.GetProperty("pseudonymized").EnumerateObject()), p => Assert.Equal(0, p.Value.GetInt32()));

        // The retrains the erasures queued run; then nothing anywhere holds the user.
        await WaitForTrainingAsync(host, model.GetProperty("lastDecision").GetProperty("version").GetString()!);
        await other.Get<AnalyticsWriter>().FlushAsync();
        Assert.Empty(await ScanAsync(names, Erased));

        // The other listener's data is whole, and every report total is what it was.
        var keptAfter = await ExportAsync(host, Kept);
        foreach (var section in new[] { "events", "eventLog", "interactions", "clicks", "claims", "conversions", "subscription", "foldIn" })
        {
            Assert.Equal(keptBefore.GetProperty(section).ToString(), keptAfter.GetProperty(section).ToString());
        }

        var afterExport = await ExportAsync(host, Erased);
        Assert.Equal(0, afterExport.GetProperty("events").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, afterExport.GetProperty("subscription").ValueKind);
    }

    [Fact]
    public async Task Export_BadIdOrNoKey_IsRefused()
    {
        await using var host = await IngestionHarness.StartAsync(azurite);

        using var noKey = await SendAsync(host, HttpMethod.Get, $"/api/users/{Kept}/export", null, key: null);
        using var badId = await SendAsync(host, HttpMethod.Get, "/api/users/u%20x/export", null);
        using var eraseNoKey = await SendAsync(host, HttpMethod.Delete, $"/api/users/{Kept}", null, key: null);
        using var unknown = await SendAsync(host, HttpMethod.Get, "/api/users/u_nobody/export", null);

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, eraseNoKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        var document = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(PrivacyService.ExportFormat, document.GetProperty("format").GetString());
        Assert.Equal(0, document.GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task Retention_EventsOlderThanKept_AreDeletedAndFreshOnesStay()
    {
        await using var host = await IngestionHarness.StartAsync(azurite);
        var names = new StorageNames(host.StoragePrefix);
        var now = DateTimeOffset.UtcNow;
        var retention = host.Get<IOptions<PrivacyOptions>>().Value.EventRetention;
        Assert.Equal(TimeSpan.FromDays(400), retention);

        // Counted and logged 401 days ago, as the stores write them at that time.
        var old = new FakeTimeProvider(now - retention - TimeSpan.FromDays(1));
        var oldStore = new InteractionStore(host.Get<Azure.Data.Tables.TableServiceClient>(), names, host.Get<IOptions<IngestionOptions>>(), old);
        var oldEvents = Enumerable.Range(0, 3).Select(i => Events.Valid(userId: "u_old" + i, occurredAt: old.GetUtcNow().AddMinutes(-5))).ToList();
        Assert.Equal(3, (await oldStore.ApplyAsync("m_old", oldEvents)).Count);
        await host.Get<EventLog>().WriteAsync("m_old", old.GetUtcNow(), oldEvents);
        var oldAttribution = new AttributionStore(host.Get<Azure.Data.Tables.TableServiceClient>(), names, host.Get<IOptions<IngestionOptions>>(), new FakeTimeProvider(now.AddDays(-3)));
        await oldAttribution.RecordConversionAsync(new ConversionRecord("conv_old", "u_old0", "premium-monthly", 0, "IDR", now.AddDays(-3), true, null));
        var oldMarkers = new ErasureMarkers(host.Get<Azure.Data.Tables.TableServiceClient>(), names, host.Get<IOptions<PrivacyOptions>>(), new FakeTimeProvider(now - ErasureMarkers.Lifetime - TimeSpan.FromHours(1)));
        await oldMarkers.MarkAsync("u_erased_long_ago");

        // And fresh ones, through the API.
        var fresh = Enumerable.Range(0, 4).Select(i => Events.Valid(userId: "u_new" + i)).ToList();
        (await PostAsync(host, Batch(fresh))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), 7);

        var result = await host.Get<RetentionTimer>().EnforceAsync();

        Assert.Equal(new RetentionResult(1, 3, 1, 1), result);
        Assert.Equal(4, await host.Get<InteractionStore>().CountEventsAsync());
        var logged = new List<string>();
        await foreach (var e in host.Get<EventLog>().ReadAsync())
        {
            logged.Add(e.UserId);
        }

        Assert.Equal(fresh.Select(e => e.UserId).Order(), logged.Order());
        Assert.True((await host.Get<AttributionStore>().GetSubscriptionAsync("u_old0")).IsSubscriber, "the state itself is not raw data and stays");
        Assert.Equal(new RetentionResult(0, 0, 0, 0), await host.Get<RetentionTimer>().EnforceAsync());
    }

    private static async Task<string> FollowToClaimAsync(SelfHostServer host, string songId, string userId)
    {
        using var offerResponse = await host.KeyedClient.GetAsync(new Uri($"/api/songs/{songId}/offer?userId={userId}&videoId=v_clip0&region=ID&platform=android", UriKind.Relative));
        offerResponse.EnsureSuccessStatusCode();
        var offer = JsonDocument.Parse(await offerResponse.Content.ReadAsStringAsync()).RootElement;
        var universal = new Uri(offer.GetProperty("links").GetProperty("universal").GetString()!);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        using var follow = await client.GetAsync(new Uri(universal.AbsolutePath, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, follow.StatusCode);
        return Uri.UnescapeDataString(follow.Headers.Location!.Query.Split("referrer=")[1]).Split("claim=")[1];
    }

    private static async Task<JsonElement> RecommendationsAsync(SelfHostServer host, string userId)
    {
        using var response = await host.KeyedClient.GetAsync(new Uri($"/api/users/{userId}/recommendations?count=5", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task<string?> OfferKindAsync(SelfHostServer host, string songId, string userId)
    {
        using var response = await host.KeyedClient.GetAsync(new Uri($"/api/songs/{songId}/offer?userId={userId}&region=ID&platform=ios", UriKind.Relative));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("offer").GetProperty("kind").GetString();
    }

    private static async Task<JsonElement> ExportAsync(SelfHostServer host, string userId)
    {
        using var response = await SendAsync(host, HttpMethod.Get, $"/api/users/{userId}/export", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<string> ReportAsync(SelfHostServer host)
    {
        var groups = new List<string>();
        foreach (var groupBy in new[] { "song", "label", "region", "video", "variant" })
        {
            using var response = await SendAsync(host, HttpMethod.Get, $"/api/reports/attribution?groupBy={groupBy}&from={DateTimeOffset.UtcNow.AddDays(-3):yyyy-MM-dd}&to={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-dd}", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            groups.Add($"{report.GetProperty("rows")} {report.GetProperty("total")} {report.GetProperty("unattributedConversions")} {report.GetProperty("unattributedRevenue")}");
        }

        Assert.Contains("\"conversions\":3", groups[0], StringComparison.Ordinal);
        return string.Join('\n', groups);
    }

    private static async Task WaitForServedAsync(SelfHostServer host, string version)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            using var response = await host.Client.GetAsync(new Uri("/api/model", UriKind.Relative));
            if (JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("servedVersion").GetString() == version)
            {
                return;
            }
        }

        Assert.Fail($"model {version} not served within 30 s");
    }

    // Waits until a training after `previous` decided and no retrain request is left.
    private async Task WaitForTrainingAsync(SelfHostServer host, string previous)
    {
        var queue = Queue(azurite, new StorageNames(host.StoragePrefix).ModelRetrainQueue);
        for (var deadline = DateTime.UtcNow.AddSeconds(180); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            using var response = await host.Client.GetAsync(new Uri("/api/model", UriKind.Relative));
            var decided = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("lastDecision").GetProperty("version").GetString();
            if (decided != previous && (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0)
            {
                await Task.Delay(2000);
                return;
            }
        }

        Assert.Fail("no retrain after the erasure within 180 s");
    }

    /// <summary>Every table, queue and blob container the app names, searched for <paramref name="userId"/>; returns where it was found.</summary>
    private async Task<List<string>> ScanAsync(StorageNames names, string userId) =>
        await StorageScan.FindAsync(azurite.ConnectionString, names, userId);
}
