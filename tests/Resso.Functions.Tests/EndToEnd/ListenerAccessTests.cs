using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Listeners;
using Resso.Shared.Attribution;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Links;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>
/// A listener's data is the listener's: read with their own access token, or by the streaming app's
/// backend with its key; never by an anonymous caller who knows (or guesses) the user id. Each attack
/// here worked before listeners were authenticated.
/// </summary>
public sealed class ListenerAccessTests(AzuriteFixture azurite)
{
    private const string Victim = "u_000001", Attacker = "u_000666";

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<SelfHostServer> StartWithHistoryAsync(AzuriteFixture azurite)
    {
        var host = await StartAsync(azurite);
        (await PutSongAsync(host, "s_lofi", new { title = "Purple Ocean", artist = "Nadia", label = "Aurora", durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        var events = new[]
        {
            Events.Valid(eventId: "e_v1", userId: Victim, songId: "s_lofi", action: SongAction.Create, region: "ID"),
            Events.Valid(eventId: "e_v2", userId: Victim, songId: "s_lofi", action: SongAction.Like, region: "ID"),
            Events.Valid(eventId: "e_a1", userId: Attacker, songId: "s_lofi", action: SongAction.View, region: "ID"),
        };
        (await PostAsync(host, Batch(events))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), events.Length);
        await host.Get<CatalogSnapshot>().RefreshAsync(TestContext.Current.CancellationToken);
        return host;
    }

    private static async Task SubscribeAsync(SelfHostServer host, string userId)
    {
        using var converted = await SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(new
        {
            conversionId = "conv_" + userId,
            userId,
            plan = "premium-monthly",
            amount = 54990,
            currency = "IDR",
            occurredAt = DateTimeOffset.UtcNow,
        }));
        Assert.Equal(HttpStatusCode.Created, converted.StatusCode);
    }

    [Theory]
    [InlineData("/api/users/u_000001/mixes")]
    [InlineData("/api/users/u_000001/recommendations?excludeUsed=false")]
    [InlineData("/api/users/u_000001/history")]
    public async Task AnonymousCaller_ReadsAUsersDataById_Is401(string path)
    {
        await using var host = await StartWithHistoryAsync(azurite);

        using var anonymous = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
        using var attacker = host.ListenerClient(Attacker);
        using var withAnotherToken = await attacker.GetAsync(new Uri(path, UriKind.Relative));
        using var backend = await host.KeyedClient.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.DoesNotContain("Purple Ocean", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, withAnotherToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, backend.StatusCode);
        Assert.Equal(Victim, (await JsonAsync(backend)).GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Listener_WithOwnToken_ReadsOwnHistoryRecommendationsAndMixes_AndNobodyElses()
    {
        await using var host = await StartWithHistoryAsync(azurite);
        using var victim = host.ListenerClient(Victim);

        using var history = await victim.GetAsync(new Uri("/api/me/history", UriKind.Relative));
        using var recommendations = await victim.GetAsync(new Uri("/api/me/recommendations?region=ID", UriKind.Relative));
        using var mixes = await victim.GetAsync(new Uri("/api/me/mixes?region=ID", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        var body = await JsonAsync(history);
        Assert.Equal(Victim, body.GetProperty("userId").GetString());
        Assert.Equal(2, body.GetProperty("total").GetInt32());
        Assert.Equal(["e_v1", "e_v2"], body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("eventId").GetString()).Order());
        Assert.Equal("Purple Ocean", body.GetProperty("items")[0].GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, recommendations.StatusCode);
        Assert.Equal(Victim, (await JsonAsync(recommendations)).GetProperty("userId").GetString());
        Assert.Equal(HttpStatusCode.OK, mixes.StatusCode);
        Assert.Equal(Victim, (await JsonAsync(mixes)).GetProperty("userId").GetString());

        // Private to the token: no shared cache may serve it to another caller.
        Assert.True(history.Headers.CacheControl?.Private);
        Assert.Contains("Authorization", history.Headers.Vary);
    }

    public static TheoryData<string, string> BadTokens()
    {
        var now = DateTimeOffset.UtcNow;
        var devKey = new SymmetricSecurityKey(Convert.FromBase64String(ListenerAuthentication.DevelopmentSecret)) { KeyId = ListenerAuthentication.DevelopmentKeyId };
        string Sign(string issuer, string audience, DateTimeOffset expires, SecurityKey key, string subject = Victim) =>
            new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = issuer,
                Audience = audience,
                IssuedAt = (expires - TimeSpan.FromHours(1)).UtcDateTime,
                NotBefore = (expires - TimeSpan.FromHours(1)).UtcDateTime,
                Expires = expires.UtcDateTime,
                Claims = new Dictionary<string, object> { ["sub"] = subject },
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            });
        var otherKey = new SymmetricSecurityKey(new byte[32]) { KeyId = ListenerAuthentication.DevelopmentKeyId };
        return new TheoryData<string, string>
        {
            { "expired", Sign(ListenerAuthentication.DevelopmentIssuer, ListenerAuthentication.DevelopmentAudience, now.AddMinutes(-10), devKey) },
            { "another issuer", Sign("https://evil.example", ListenerAuthentication.DevelopmentAudience, now.AddHours(1), devKey) },
            { "another audience", Sign(ListenerAuthentication.DevelopmentIssuer, "another-api", now.AddHours(1), devKey) },
            { "another key", Sign(ListenerAuthentication.DevelopmentIssuer, ListenerAuthentication.DevelopmentAudience, now.AddHours(1), otherKey) },
            { "subject not a user id", Sign(ListenerAuthentication.DevelopmentIssuer, ListenerAuthentication.DevelopmentAudience, now.AddHours(1), devKey, "u/1") },
            { "unsigned (alg none)", Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64UrlEncoder.Encode($"{{\"sub\":\"{Victim}\",\"iss\":\"resso-dev\",\"aud\":\"resso-api\",\"exp\":{now.AddHours(1).ToUnixTimeSeconds()}}}") + "." },
            { "garbage", "not-a-token" },
        };
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task BadToken_Is401WithBearerChallenge_AndReadsNothing(string name, string token)
    {
        await using var host = await StartWithHistoryAsync(azurite);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me/history");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {response.StatusCode} {text}");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        Assert.Equal("urn:resso:problem:unauthenticated", JsonDocument.Parse(text).RootElement.GetProperty("type").GetString());
        Assert.DoesNotContain("e_v1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedTokens_Repeated_LockTheClientOut_ButExpiredTokensDoNot()
    {
        await using var host = await StartAsync(azurite, settings: new Dictionary<string, string?> { ["Resso:RateLimits:UnauthorizedPerMinute"] = "5" });
        var tokens = BadTokens().ToDictionary(row => row.Data.Item1, row => row.Data.Item2);

        async Task<HttpStatusCode> SendAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me/history");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await host.Client.SendAsync(request);
            return response.StatusCode;
        }

        // An app with a stale token retries: never locked out (many users share a carrier NAT's address).
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(tokens["expired"]));
        }

        // Guessing: after 5 forged tokens in a minute, 429 before any token is looked at.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            statuses.Add(await SendAsync(tokens["another key"]));
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), statuses.Take(5));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        using var valid = host.ListenerClient(Victim);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await valid.GetAsync(new Uri("/api/me/history", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task MeRoutes_WithoutToken_Are401WithBearerChallenge()
    {
        await using var host = await StartAsync(azurite);
        foreach (var path in new[] { "/api/me/recommendations", "/api/me/mixes", "/api/me/history" })
        {
            using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Fact]
    public async Task Offer_AnonymousNamingAUser_Is401_AndAnonymousOffersCarryNoUser()
    {
        await using var host = await StartWithHistoryAsync(azurite);

        // The victim pays: before, anyone could read that from the offer's kind (open_in_app).
        await SubscribeAsync(host, Victim);
        using var probe = await host.Client.GetAsync(new Uri($"/api/songs/s_lofi/offer?userId={Victim}&region=ID&platform=ios", UriKind.Relative));
        using var anonymous = await host.Client.GetAsync(new Uri("/api/songs/s_lofi/offer?region=ID&platform=ios", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, probe.StatusCode);
        Assert.DoesNotContain("open_in_app", await probe.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        var offer = await JsonAsync(anonymous);
        Assert.Equal("free_trial", offer.GetProperty("offer").GetProperty("kind").GetString());
        var token = new Uri(offer.GetProperty("links").GetProperty("universal").GetString()!).AbsolutePath.Split('/')[^1];
        var claims = host.Get<LinkSigner>().Verify(token, DateTimeOffset.UtcNow).Claims;
        Assert.NotNull(claims);
        Assert.Null(claims.UserId);
    }

    [Fact]
    public async Task Offer_ListenerToken_NamesTheListener_AndAnotherUserIdIs403()
    {
        await using var host = await StartWithHistoryAsync(azurite);
        await SubscribeAsync(host, Victim);
        using var victim = host.ListenerClient(Victim);
        using var attacker = host.ListenerClient(Attacker);

        using var own = await victim.GetAsync(new Uri("/api/songs/s_lofi/offer?region=ID&platform=ios", UriKind.Relative));
        using var other = await attacker.GetAsync(new Uri($"/api/songs/s_lofi/offer?userId={Victim}&region=ID&platform=ios", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("open_in_app", (await JsonAsync(own)).GetProperty("offer").GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }

    /// <summary>
    /// The hijack: an offer requested anonymously as the victim with the attacker's video, its link
    /// followed, then the victim subscribes. Before, the conversion went to the attacker's video by
    /// last click; now the offer is refused, and the conversion stays unattributed.
    /// </summary>
    [Fact]
    public async Task AttributionHijack_AnonymousOfferAsTheVictim_IsRefused_AndTheVictimsConversionIsNotTheAttackers()
    {
        await using var host = await StartWithHistoryAsync(azurite);
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        using var hijack = await noRedirects.GetAsync(new Uri($"/api/songs/s_lofi/offer?userId={Victim}&videoId=v_attacker&region=ID&platform=web", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, hijack.StatusCode);

        // All the attacker can get is an anonymous offer; following it 20 times attributes nothing to the victim.
        using var anonymous = await noRedirects.GetAsync(new Uri("/api/songs/s_lofi/offer?videoId=v_attacker&region=ID&platform=web", UriKind.Relative));
        var link = new Uri((await JsonAsync(anonymous)).GetProperty("links").GetProperty("universal").GetString()!).AbsolutePath;
        for (var i = 0; i < 20; i++)
        {
            using var follow = await noRedirects.GetAsync(new Uri(link, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, follow.StatusCode);
        }

        await host.Get<AnalyticsWriter>().FlushAsync(TestContext.Current.CancellationToken);
        using var converted = await SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(new
        {
            conversionId = "conv_victim",
            userId = Victim,
            plan = "premium-monthly",
            amount = 54990,
            currency = "IDR",
            occurredAt = DateTimeOffset.UtcNow,
        }));
        Assert.Equal(HttpStatusCode.Created, converted.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await JsonAsync(converted)).GetProperty("attribution").ValueKind);
    }

    [Fact]
    public async Task Listener_ExportsAndErasesThemselves_WithTheirToken_AndNobodyElse()
    {
        await using var host = await StartWithHistoryAsync(azurite);
        using var victim = host.ListenerClient(Victim);

        using var anonymousErase = await host.Client.DeleteAsync(new Uri("/api/me", UriKind.Relative));
        using var export = await victim.GetAsync(new Uri("/api/me/export", UriKind.Relative));
        var document = await JsonAsync(export);
        using var erase = await victim.DeleteAsync(new Uri("/api/me", UriKind.Relative));
        using var history = await victim.GetAsync(new Uri("/api/me/history", UriKind.Relative));
        using var attackerHistory = await host.KeyedClient.GetAsync(new Uri($"/api/users/{Attacker}/history", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymousErase.StatusCode);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(Victim, document.GetProperty("userId").GetString());
        Assert.Contains("e_v1", document.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("e_a1", document.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        Assert.Equal(0, (await JsonAsync(history)).GetProperty("total").GetInt32());
        Assert.Equal(1, (await JsonAsync(attackerHistory)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task DevelopmentTokenIssuer_SignsTokensTheListenerRoutesAccept()
    {
        await using var host = await StartWithHistoryAsync(azurite);

        using var issued = await host.Client.PostAsync(new Uri($"/api/dev/token?userId={Victim}", UriKind.Relative), null);
        var token = await issued.Content.ReadAsStringAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me/history");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var history = await host.Client.SendAsync(request);
        using var bad = await host.Client.PostAsync(new Uri("/api/dev/token?userId=u%2F1", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        Assert.Equal(Victim, (await JsonAsync(history)).GetProperty("userId").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
