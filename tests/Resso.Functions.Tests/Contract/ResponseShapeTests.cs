using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Resso.Shared.Attribution;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.Contract;

/// <summary>
/// Real answers of the self-host (Kestrel, Azurite) to the main routes conform to the committed
/// document: each status is declared, and each JSON body matches the schema declared for it (types,
/// required properties, no undeclared ones), so that a renamed or retyped property fails here
/// until the document is regenerated.
/// </summary>
public sealed class ResponseShapeTests(AzuriteFixture azurite)
{
    private readonly OpenApiContract _contract = OpenApiContract.Committed();
    private readonly List<string> _problems = [];
    private readonly List<string> _checked = [];

    private async Task<string> CheckAsync(HttpResponseMessage response, string method, string route, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        _checked.Add($"{method} {route} {(int)response.StatusCode}");
        if (response.StatusCode != expected)
        {
            _problems.Add($"{method} {route}: {(int)response.StatusCode} where {(int)expected} was expected: {body}");
        }

        _problems.AddRange(_contract.Check(method, route, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body)
            .Select(p => $"{method} {route} {(int)response.StatusCode}: {p}\n  answer: {body}"));
        return body;
    }

    [Fact]
    public async Task MainRoutes_RealAnswers_MatchTheCommittedDocument()
    {
        await using var host = await StartAsync(azurite);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        HttpRequestMessage Keyed(HttpMethod method, string path, object? body = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
            return request;
        }

        await CheckAsync(await client.GetAsync(new Uri("/api/health", UriKind.Relative)), "GET", "/api/health", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/model", UriKind.Relative)), "GET", "/api/model", HttpStatusCode.NotFound);
        await CheckAsync(await client.GetAsync(new Uri("/api/model/versions", UriKind.Relative)), "GET", "/api/model/versions", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/model/versions?count=0", UriKind.Relative)), "GET", "/api/model/versions", HttpStatusCode.BadRequest);
        var song = new { title = "Lagu Satu", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID" } };
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Put, "/api/songs/s_shape", song)), "PUT", "/api/songs/{songId}", HttpStatusCode.Created);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Put, "/api/songs/s_shape", song)), "PUT", "/api/songs/{songId}", HttpStatusCode.OK);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Put, "/api/songs/s_shape", new { title = "" })), "PUT", "/api/songs/{songId}", HttpStatusCode.BadRequest);

        // Events: accepted, refused without a key, refused when invalid.
        var events = new[]
        {
            Events.Valid(userId: "u_shape", songId: "s_shape", action: SongAction.Create),
            Events.Valid(userId: "u_shape", songId: "s_other", action: SongAction.Like),
            Events.Valid(userId: "u_fan", songId: "s_shape", action: SongAction.Share),
            Events.Valid(userId: "u_fan", songId: "s_other", action: SongAction.View),
        };
        var batch = new SongUsedBatch(events);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Post, "/api/events", batch)), "POST", "/api/events", HttpStatusCode.Accepted);
        await CheckAsync(await client.PostAsync(new Uri("/api/events", UriKind.Relative), JsonContent.Create(batch)), "POST", "/api/events", HttpStatusCode.Unauthorized);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Post, "/api/events", new { eventId = "e_x", action = "dance" })), "POST", "/api/events", HttpStatusCode.BadRequest);
        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), events.Length);

        // Offer → link → claim → conversion → report.
        var offer = await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, "/api/songs/s_shape/offer?userId=u_viewer&videoId=v_1&region=ID&platform=android")), "GET", "/api/songs/{songId}/offer", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/songs/s_shape/offer?userId=u_viewer&region=ID", UriKind.Relative)), "GET", "/api/songs/{songId}/offer", HttpStatusCode.Unauthorized);
        await CheckAsync(await client.GetAsync(new Uri("/api/songs/s_shape/offer?region=Indonesia", UriKind.Relative)), "GET", "/api/songs/{songId}/offer", HttpStatusCode.BadRequest);
        await CheckAsync(await client.GetAsync(new Uri("/api/songs/s_none/offer?region=ID", UriKind.Relative)), "GET", "/api/songs/{songId}/offer", HttpStatusCode.NotFound);
        var universal = new Uri(JsonDocument.Parse(offer).RootElement.GetProperty("links").GetProperty("universal").GetString()!);
        using var follow = await client.GetAsync(new Uri(universal.AbsolutePath, UriKind.Relative));
        await CheckAsync(follow, "GET", "/api/l/{token}", HttpStatusCode.Redirect);
        var code = Uri.UnescapeDataString(follow.Headers.Location!.Query.Split("referrer=")[1]).Split("claim=")[1];
        await CheckAsync(await client.GetAsync(new Uri("/api/l/AAAAAAAAAAAAAAAAAAAAAAAA", UriKind.Relative)), "GET", "/api/l/{token}", HttpStatusCode.BadRequest);
        await CheckAsync(await client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null), "POST", "/api/claims/{code}", HttpStatusCode.OK);
        await CheckAsync(await client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null), "POST", "/api/claims/{code}", HttpStatusCode.Conflict);
        var conversion = new { conversionId = "c_shape", userId = "u_viewer", plan = "premium", amount = 0, currency = "IDR", occurredAt = DateTimeOffset.UtcNow, trial = true, claimCode = code };
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Post, "/api/conversions", conversion)), "POST", "/api/conversions", HttpStatusCode.Created);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Post, "/api/conversions", conversion)), "POST", "/api/conversions", HttpStatusCode.OK);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Post, "/api/conversions", conversion with { amount = 5 })), "POST", "/api/conversions", HttpStatusCode.Conflict);
        await host.Get<AnalyticsWriter>().FlushAsync();
        var period = $"from={DateTimeOffset.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-dd}";
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, $"/api/reports/attribution?{period}&groupBy=variant")), "GET", "/api/reports/attribution", HttpStatusCode.OK);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, $"/api/reports/attribution/series?{period}&interval=hour")), "GET", "/api/reports/attribution/series", HttpStatusCode.OK);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, $"/api/reports/attribution/series?{period}&interval=week")), "GET", "/api/reports/attribution/series", HttpStatusCode.BadRequest);
        using var csv = Keyed(HttpMethod.Get, $"/api/reports/attribution?{period}");
        csv.Headers.Accept.ParseAdd("text/csv");
        await CheckAsync(await client.SendAsync(csv), "GET", "/api/reports/attribution", HttpStatusCode.OK);

        // Listener reads: the listener's own with a token, a named user's with the backend's key.
        using var listener = host.ListenerClient("u_shape");
        await CheckAsync(await listener.GetAsync(new Uri("/api/me/recommendations?count=5", UriKind.Relative)), "GET", "/api/me/recommendations", HttpStatusCode.OK);
        await CheckAsync(await listener.GetAsync(new Uri("/api/me/mixes?region=ID", UriKind.Relative)), "GET", "/api/me/mixes", HttpStatusCode.OK);
        await CheckAsync(await listener.GetAsync(new Uri("/api/me/history", UriKind.Relative)), "GET", "/api/me/history", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/me/history", UriKind.Relative)), "GET", "/api/me/history", HttpStatusCode.Unauthorized);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, "/api/users/u_shape/recommendations?count=5")), "GET", "/api/users/{userId}/recommendations", HttpStatusCode.OK);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, "/api/users/u_shape/recommendations?count=0")), "GET", "/api/users/{userId}/recommendations", HttpStatusCode.BadRequest);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, "/api/users/u_shape/mixes?region=ID")), "GET", "/api/users/{userId}/mixes", HttpStatusCode.OK);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, "/api/users/u_shape/history")), "GET", "/api/users/{userId}/history", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/users/u_shape/history", UriKind.Relative)), "GET", "/api/users/{userId}/history", HttpStatusCode.Unauthorized);
        await CheckAsync(await client.GetAsync(new Uri("/api/well-known/assetlinks.json", UriKind.Relative)), "GET", "/api/well-known/assetlinks.json", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/well-known/apple-app-site-association", UriKind.Relative)), "GET", "/api/well-known/apple-app-site-association", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/songs/s_unknown/similar", UriKind.Relative)), "GET", "/api/songs/{songId}/similar", HttpStatusCode.NotFound);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Post, "/api/catalog/rollup")), "POST", "/api/catalog/rollup", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/songs/s_shape", UriKind.Relative)), "GET", "/api/songs/{songId}", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/songs/s_other", UriKind.Relative)), "GET", "/api/songs/{songId}", HttpStatusCode.OK);
        await CheckAsync(await client.GetAsync(new Uri("/api/songs/s_unknown", UriKind.Relative)), "GET", "/api/songs/{songId}", HttpStatusCode.NotFound);
        await CheckAsync(await client.GetAsync(new Uri("/api/songs/s_shape/similar", UriKind.Relative)), "GET", "/api/songs/{songId}/similar", HttpStatusCode.OK);
        using var trending = await client.GetAsync(new Uri("/api/trending?region=ID&window=24h", UriKind.Relative));
        await CheckAsync(trending, "GET", "/api/trending", HttpStatusCode.OK);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/trending?region=ID&window=24h");
        again.Headers.IfNoneMatch.Add(trending.Headers.ETag!);
        await CheckAsync(await client.SendAsync(again), "GET", "/api/trending", HttpStatusCode.NotModified);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Post, "/api/model/retrain?reason=contract")), "POST", "/api/model/retrain", HttpStatusCode.Accepted);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, "/api/metrics/ingestion?minutes=5")), "GET", "/api/metrics/ingestion", HttpStatusCode.OK);
        await CheckAsync(await client.SendAsync(Keyed(HttpMethod.Get, "/api/metrics/ingestion?minutes=61")), "GET", "/api/metrics/ingestion", HttpStatusCode.BadRequest);
        await CheckAsync(await client.GetAsync(new Uri("/api/metrics/ingestion", UriKind.Relative)), "GET", "/api/metrics/ingestion", HttpStatusCode.Unauthorized);

        Assert.True(_problems.Count == 0, string.Join("\n", _problems) + $"\n\nIf the API changed on purpose, regenerate the document:\n  {OpenApiContract.RegenerateCommand}");
        Assert.Equal(48, _checked.Count);
    }

    [Fact]
    public void Check_RenamedOrMissingOrRetypedProperty_IsReported()
    {
        const string Answer = """{"accepted":1,"messages":1}""";

        Assert.Empty(_contract.Check("POST", "/api/events", 202, "application/json", Answer));
        Assert.Equal(
            ["$: the required property 'messages' is missing.", "$: the property 'messageCount' is not declared (additionalProperties is false)."],
            _contract.Check("POST", "/api/events", 202, "application/json", """{"accepted":1,"messageCount":1}"""));
        Assert.Equal(["$.accepted: is string, the document says integer."], _contract.Check("POST", "/api/events", 202, "application/json", """{"accepted":"1","messages":1}"""));
        Assert.Equal(["POST /api/events: status 200 is not in the document (it declares 202, 400, 401, 413, 415, 503)."], _contract.Check("POST", "/api/events", 200, "application/json", Answer));
    }
}
