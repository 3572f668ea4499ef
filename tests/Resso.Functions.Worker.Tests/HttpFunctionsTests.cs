using System.Text.RegularExpressions;
using Resso.Functions.Worker.Tests.Harness;
using Resso.Shared.Events;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests;

/// <summary>
/// Every HTTP function of the Azure Functions app, run through the worker's composition, answers as
/// the self-host answers the same request on the same kind of data: status, the headers clients act
/// on, and the body (volatile values compared by shape).
/// </summary>
public sealed partial class HttpFunctionsTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static readonly SongUsedEvent[] Seed =
    [
        Events.Valid("e_1", "u_1", "s_1", SongAction.Create, "ID", Now.AddMinutes(-30)),
        Events.Valid("e_2", "u_1", "s_2", SongAction.Like, "ID", Now.AddMinutes(-29)),
        Events.Valid("e_3", "u_2", "s_1", SongAction.View, "ID", Now.AddMinutes(-28)),
        Events.Valid("e_4", "u_2", "s_2", SongAction.Share, "US", Now.AddMinutes(-27)),
        Events.Valid("e_5", "u_3", "s_1", SongAction.Favorite, "ID", Now.AddMinutes(-26)),
    ];

    private static readonly object Song = new { title = "Song One", artist = "Artist", label = "Label", durationMs = 180_000, regions = new[] { "ID", "US" } };

    /// <summary>Each step: a name and the request, which may use earlier answers of the same host.</summary>
    private static IEnumerable<(string Name, Func<IReadOnlyDictionary<string, HttpAnswer>, HttpRequestMessage?> Request)> Steps()
    {
        var from = Uri.EscapeDataString(Now.AddDays(-1).ToString("O"));
        var to = Uri.EscapeDataString(Now.AddHours(1).ToString("O"));
        yield return ("health", _ => Requests.Get("/api/health"));
        yield return ("openapi document", _ => Requests.Get("/api/openapi.json"));
        yield return ("dashboard", _ => Requests.Get("/api/dashboard/"));
        yield return ("dashboard, script", _ => Requests.Get("/api/dashboard/dashboard.js"));
        yield return ("dashboard, no slash", _ => Requests.Get("/api/dashboard"));
        yield return ("dashboard, unknown file", _ => Requests.Get("/api/dashboard/nothing.js"));
        yield return ("model, none yet", _ => Requests.Get("/api/model"));
        yield return ("model versions, none yet", _ => Requests.Get("/api/model/versions"));
        yield return ("model versions, bad count", _ => Requests.Get("/api/model/versions?count=0"));
        // Per-instance counts differ between the two runs by when each minute began: only the refusal is compared.
        yield return ("ingestion metrics, bad minutes", _ => Requests.Get("/api/metrics/ingestion?minutes=61", SelfHostServer.TestKey));
        yield return ("put song, new", _ => Requests.Json(HttpMethod.Put, "/api/songs/s_1", Song));
        yield return ("put song, again", _ => Requests.Json(HttpMethod.Put, "/api/songs/s_1", Song));
        yield return ("put song, bad body", _ => Requests.Json(HttpMethod.Put, "/api/songs/s_1", new { title = "" }));
        yield return ("put song, bad id", _ => Requests.Json(HttpMethod.Put, "/api/songs/bad%20id", Song));
        yield return ("post events", _ => Requests.Json(HttpMethod.Post, "/api/events", Requests.Batch(Seed)));
        yield return ("post events, not JSON", _ => Requests.Raw(HttpMethod.Post, "/api/events", "{not json"));
        yield return ("post events, invalid event", _ => Requests.Json(HttpMethod.Post, "/api/events", new { eventId = "e_x", action = "dance" }));
        yield return ("drain", _ => null);
        yield return ("catalog rollup", _ => Requests.Json(HttpMethod.Post, "/api/catalog/rollup", new { }));
        yield return ("get song", _ => Requests.Get("/api/songs/s_1"));
        yield return ("get song, placeholder", _ => Requests.Get("/api/songs/s_2"));
        yield return ("get song, unknown", _ => Requests.Get("/api/songs/s_404"));
        yield return ("get song, bad id", _ => Requests.Get("/api/songs/s%21"));
        yield return ("offer", _ => Requests.Get("/api/songs/s_1/offer?userId=u_9&videoId=v_1&region=ID&platform=android&startMs=30500", SelfHostServer.TestKey));
        yield return ("offer, unknown song", _ => Requests.Get("/api/songs/s_404/offer?userId=u_9&region=ID&platform=ios", SelfHostServer.TestKey));
        yield return ("offer, bad region", _ => Requests.Get("/api/songs/s_1/offer?userId=u_9&region=Indonesia", SelfHostServer.TestKey));
        yield return ("offer, a listener's token", _ => Requests.AsListener("/api/songs/s_1/offer?region=ID&platform=ios", "u_9"));
        yield return ("offer, anonymous naming a user", _ => Requests.Get("/api/songs/s_1/offer?userId=u_9&region=ID&platform=ios"));
        yield return ("offer, anonymous", _ => Requests.Get("/api/songs/s_1/offer?region=ID&platform=ios"));
        yield return ("follow link", answers => Requests.Get("/api/l/" + FirstToken(answers["offer"])));
        yield return ("apple-app-site-association", _ => Requests.Get("/api/well-known/apple-app-site-association"));
        yield return ("assetlinks.json", _ => Requests.Get("/api/well-known/assetlinks.json"));
        yield return ("follow link, forged", _ => Requests.Get("/api/l/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        yield return ("claim, unknown code", _ => Requests.Json(HttpMethod.Post, "/api/claims/ABCDEFGHJK", new { }, key: null));
        yield return ("claim, bad code", _ => Requests.Json(HttpMethod.Post, "/api/claims/x", new { }, key: null));
        // The click is written behind the redirect; a conversion right after it may miss it on either
        // side (a known ordering gap), so both sides store it first.
        yield return ("flush", _ => null);
        yield return ("conversion", _ => Requests.Json(HttpMethod.Post, "/api/conversions", Conversions.Valid("c_1", "u_9") with { OccurredAt = Conversions.At(Now.AddMinutes(-1)) }));
        yield return ("conversion, bad body", _ => Requests.Json(HttpMethod.Post, "/api/conversions", new { conversionId = "c_2" }));
        yield return ("flush", _ => null);
        yield return ("report", _ => Requests.Get($"/api/reports/attribution?from={from}&to={to}&groupBy=song", SelfHostServer.TestKey));
        yield return ("report, bad groupBy", _ => Requests.Get($"/api/reports/attribution?groupBy=planet", SelfHostServer.TestKey));
        yield return ("series", _ => Requests.Get($"/api/reports/attribution/series?from={from}&to={to}&groupBy=song&interval=hour", SelfHostServer.TestKey));
        yield return ("series, bad top", _ => Requests.Get($"/api/reports/attribution/series?top=50", SelfHostServer.TestKey));
        yield return ("recommendations", _ => Requests.Get("/api/users/u_1/recommendations?count=5&region=ID", SelfHostServer.TestKey));
        yield return ("recommendations, unknown user", _ => Requests.Get("/api/users/u_404/recommendations?region=ID", SelfHostServer.TestKey));
        yield return ("recommendations, bad count", _ => Requests.Get("/api/users/u_1/recommendations?count=-1", SelfHostServer.TestKey));
        yield return ("mixes", _ => Requests.Get("/api/users/u_1/mixes?region=ID", SelfHostServer.TestKey));
        yield return ("history", _ => Requests.Get("/api/users/u_1/history?count=5", SelfHostServer.TestKey));
        yield return ("my recommendations", _ => Requests.AsListener("/api/me/recommendations?count=5&region=ID", "u_1"));
        yield return ("my mixes", _ => Requests.AsListener("/api/me/mixes?region=ID", "u_1"));
        yield return ("my history", _ => Requests.AsListener("/api/me/history", "u_1"));
        yield return ("my history, no token", _ => Requests.Get("/api/me/history"));
        yield return ("my export", _ => Requests.AsListener("/api/me/export", "u_3"));
        yield return ("erase me", _ => Requests.AsListener("/api/me", "u_3", HttpMethod.Delete));
        yield return ("my history, forged token", _ => { var r = Requests.Get("/api/me/history"); r.Headers.Authorization = new("Bearer", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1XzEifQ."); return r; });
        yield return ("similar", _ => Requests.Get("/api/songs/s_1/similar?count=5"));
        yield return ("similar, bad id", _ => Requests.Get("/api/songs/s%21/similar"));
        yield return ("trending", _ => Requests.Get("/api/trending?region=ID&window=24h&count=5"));
        yield return ("trending, bad window", _ => Requests.Get("/api/trending?window=1y"));
        yield return ("export", _ => Requests.Get("/api/users/u_404/export", SelfHostServer.TestKey));
        yield return ("export, bad id", _ => Requests.Get("/api/users/bad%20id/export", SelfHostServer.TestKey));
        yield return ("retrain", _ => Requests.Json(HttpMethod.Post, "/api/model/retrain?reason=test", new { }));
        yield return ("health, again", _ => Requests.Get("/api/health"));
        // Last: an erasure queues a retrain, which the self-host runs at once and the worker does not.
        yield return ("erase", _ => Requests.Delete("/api/users/u_9"));
        yield return ("erase, again", _ => Requests.Delete("/api/users/u_9"));
        yield return ("erase, bad id", _ => Requests.Delete("/api/users/bad%20id"));
    }

    [Fact]
    public async Task EveryHttpFunction_SameRequestsAsTheSelfHost_SameAnswers()
    {
        // An erasure waits for every instance to read its marker (about twice the poll interval): kept
        // short, so that one side's run does not outlast the time-decayed scores' 0.1 % tolerance.
        var settings = new Dictionary<string, string?> { ["Resso:Privacy:MarkerPollInterval"] = "00:00:00.200" };
        await using var self = await SelfHostServer.StartAsync(azurite.ConnectionString, settings);
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, settings);
        using var selfSide = new SelfHostSide(self);
        var expected = await RunAsync(selfSide);
        var actual = await RunAsync(new WorkerSide(worker, azurite.ConnectionString, self.BaseAddress));

        var differences = expected.Keys
            .SelectMany(step => AnswerComparison.Differences(expected[step], actual[step]).Select(d => $"{step}: {d}\n  self-host: {expected[step]}\n  worker:    {actual[step]}"))
            .ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences));

        // Every HTTP function of the build was reached.
        var routed = FunctionsMetadata.Functions.Values.Where(f => f.Trigger.Type == "httpTrigger").Select(f => f.Name);
        Assert.Empty(routed.Except(worker.Invoked));
    }

    /// <summary>On Azure the Functions host checks keys before the worker; the worker itself does not.</summary>
    [Fact]
    public async Task KeyedRoute_WithoutKey_SelfHostRefusesWhileTheWorkerLeavesItToTheHost()
    {
        await using var self = await SelfHostServer.StartAsync(azurite.ConnectionString);
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString);
        using var selfSide = new SelfHostSide(self);

        var refused = await selfSide.SendAsync(Requests.Json(HttpMethod.Put, "/api/songs/s_1", Song, key: null));
        var run = await worker.SendAsync(Requests.Json(HttpMethod.Put, "/api/songs/s_1", Song, key: null), self.BaseAddress);
        var withKey = await selfSide.SendAsync(Requests.Json(HttpMethod.Put, "/api/songs/s_1", Song));

        Assert.Equal(401, refused.Status);
        Assert.Equal(201, run.Status);
        Assert.Empty(AnswerComparison.Differences(withKey, run));
    }

    [Fact]
    public async Task AnonymousRoute_OverItsLimit_429WithRetryAfterAsTheSelfHost()
    {
        var limits = new Dictionary<string, string?> { ["Resso:RateLimits:ClaimsPerMinute"] = "2" };
        await using var self = await SelfHostServer.StartAsync(azurite.ConnectionString, limits);
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, limits);
        using var selfSide = new SelfHostSide(self);

        var expected = new List<HttpAnswer>();
        var actual = new List<HttpAnswer>();
        for (var i = 0; i < 3; i++)
        {
            expected.Add(await selfSide.SendAsync(Requests.Json(HttpMethod.Post, "/api/claims/ABCDEFGHJK", new { }, key: null)));
            actual.Add(await worker.SendAsync(Requests.Json(HttpMethod.Post, "/api/claims/ABCDEFGHJK", new { }, key: null), self.BaseAddress));
        }

        Assert.Equal(429, actual[^1].Status);
        Assert.NotNull(actual[^1].Header("Retry-After"));
        Assert.All(expected.Zip(actual), pair => Assert.Empty(AnswerComparison.Differences(pair.First, pair.Second)));
    }

    [Fact]
    public async Task KeyedRoute_OverItsPerKeyLimit_Is429_TheTriggersAuthorizationLevelDecides()
    {
        // The worker has no endpoint metadata: the middleware reads AuthorizationLevel.Function from the trigger.
        var limits = new Dictionary<string, string?> { ["Resso:RateLimits:KeyedPerSecond"] = "1", ["Resso:RateLimits:KeyedBurst"] = "2" };
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, limits);

        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await worker.SendAsync(Requests.Raw(HttpMethod.Post, "/api/events", "{\"events\":[]}"))).Status);
        }

        Assert.DoesNotContain(429, statuses[..2]);
        Assert.Contains(429, statuses[2..]);
    }

    private static async Task<Dictionary<string, HttpAnswer>> RunAsync(ISide side)
    {
        var answers = new Dictionary<string, HttpAnswer>();
        foreach (var (name, request) in Steps())
        {
            using var message = request(answers);
            if (message is null && name == "flush")
            {
                await side.FlushAsync();
                continue;
            }

            if (message is null)
            {
                Assert.True(answers["post events"].Status == 202, $"post events: {answers["post events"]}");
                await side.DrainAsync(Seed.Length);
                continue;
            }

            answers[name] = await side.SendAsync(message);
        }

        return answers;
    }

    /// <summary>The token of the first signed link in an offer.</summary>
    private static string FirstToken(HttpAnswer offer)
    {
        var match = LinkToken().Match(offer.Body);
        Assert.True(match.Success, $"no link in the offer: {offer}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"/api/l/([A-Za-z0-9_\-\.]+)")]
    private static partial Regex LinkToken();
}
