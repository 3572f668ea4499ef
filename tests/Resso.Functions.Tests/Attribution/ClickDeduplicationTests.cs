using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Resso.Shared.Attribution;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.Attribution;

/// <summary>
/// Following one offer's link again and again, over real HTTP against Azurite: one click per device
/// and window, every follow still counted, claim rows only for codes actually handed out.
/// </summary>
public sealed class ClickDeduplicationTests(AzuriteFixture azurite)
{
    private const string Android = "Mozilla/5.0 (Linux; Android 15; Pixel 9)";
    private const string Iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)";
    private const string Desktop = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0";

    private static HttpClient Browser(SelfHostServer host, bool keepsCookies) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = keepsCookies, CookieContainer = new CookieContainer() }) { BaseAddress = host.BaseAddress };

    private static async Task<string> OfferLinkAsync(SelfHostServer host, string songId, string userId, string platform = "web")
    {
        using var response = await host.KeyedClient.GetAsync(new Uri($"/api/songs/{songId}/offer?userId={userId}&videoId=v_dance&region=ID&platform={platform}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var offer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return new Uri(offer.GetProperty("links").GetProperty("universal").GetString()!).AbsolutePath;
    }

    private static async Task<HttpResponseMessage> FollowAsync(HttpClient browser, string link, string userAgent, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, link + query);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return await browser.SendAsync(request);
    }

    private static async Task<JsonElement> SongRowAsync(SelfHostServer host, string songId)
    {
        await host.Get<AnalyticsWriter>().FlushAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/attribution?groupBy=song&from={DateTimeOffset.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-dd}");
        request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement
            .GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("key").GetString() == songId);
    }

    private static string ClickIdOf(HttpResponseMessage response) =>
        System.Web.HttpUtility.ParseQueryString(response.Headers.Location!.Query)["c"]!;

    [Theory]
    [InlineData(true)] // the browser sends back the cookie of the first follow
    [InlineData(false)] // no cookie ever comes back: the address and User-Agent tell the device
    public async Task Follow_SameDeviceTwentyTimes_IsOneClickAndTwentyFollows(bool keepsCookies)
    {
        await using var host = await StartAsync(azurite);
        (await PutSongAsync(host, "s_dup", new { title = "Dup", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        var link = await OfferLinkAsync(host, "s_dup", "u_fan");
        using var browser = Browser(host, keepsCookies);

        var clickIds = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await FollowAsync(browser, link, Desktop);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("www.resso.com", response.Headers.Location!.Host);
            clickIds.Add(ClickIdOf(response));
        }

        var row = await SongRowAsync(host, "s_dup");
        Assert.Equal(1, row.GetProperty("offers").GetInt64());
        Assert.Equal(1, row.GetProperty("clicks").GetInt64());
        Assert.Equal(20, row.GetProperty("follows").GetInt64());
        Assert.True(row.GetProperty("clickThroughRate").GetDouble() <= 1.0, row.ToString());
        // Every follow opens the player with the one click, so a conversion from any of them is the same click's.
        Assert.Single(clickIds.Distinct());
    }

    [Fact]
    public async Task Follow_FirstTime_SetsAnHttpOnlyLaxCookieForLinksOnly_AndADifferentDeviceIsAnotherClick()
    {
        await using var host = await StartAsync(azurite);
        (await PutSongAsync(host, "s_two", new { title = "Two", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        var link = await OfferLinkAsync(host, "s_two", "u_fan");
        using var first = Browser(host, keepsCookies: false);
        using var second = Browser(host, keepsCookies: false);

        using var response = await FollowAsync(first, link, Desktop);
        using var other = await FollowAsync(second, link, Desktop + " Edg/140.0");

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Matches("^resso_device=[A-Za-z0-9_-]{22};", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api/l", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase); // plain http on loopback
        Assert.NotEqual(ClickIdOf(response), ClickIdOf(other));
        var row = await SongRowAsync(host, "s_two");
        Assert.Equal((2, 2), (row.GetProperty("clicks").GetInt64(), row.GetProperty("follows").GetInt64()));
    }

    [Fact]
    public async Task Follow_OnTheLinkHost_SetsASecureCookie()
    {
        // TLS ends in front of the link host: the universal link is https even when this hop is not.
        await using var host = await StartAsync(azurite);
        (await PutSongAsync(host, "s_tls", new { title = "Tls", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        var link = await OfferLinkAsync(host, "s_tls", "u_fan");
        using var browser = Browser(host, keepsCookies: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, link);
        request.Headers.Host = "links.resso.example";

        using var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("secure", Assert.Single(response.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ClickWindow_OutOfRange_StopsStartUpNamingTheSetting()
    {
        var ex = await Assert.ThrowsAsync<Resso.Shared.Configuration.InvalidSettingsException>(() => SelfHostServer.StartAsync(
            azurite.ConnectionString, new Dictionary<string, string?> { ["Resso:Links:ClickWindow"] = "00:00:10" }));

        Assert.Contains("ClickWindow", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follow_RepeatedAfterAnotherOffer_DoesNotMoveLastClickAttribution()
    {
        await using var host = await StartAsync(azurite);
        (await PutSongAsync(host, "s_a", new { title = "A", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        (await PutSongAsync(host, "s_b", new { title = "B", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        var linkA = await OfferLinkAsync(host, "s_a", "u_last");
        var linkB = await OfferLinkAsync(host, "s_b", "u_last");
        using var browser = Browser(host, keepsCookies: true);

        using (await FollowAsync(browser, linkA, Desktop))
        {
        }

        await Task.Delay(50); // click times order last-click attribution
        using var clickB = await FollowAsync(browser, linkB, Desktop);
        await Task.Delay(50);
        for (var i = 0; i < 5; i++)
        {
            using var repeat = await FollowAsync(browser, linkA, Desktop);
            Assert.Equal(HttpStatusCode.Redirect, repeat.StatusCode);
        }

        await host.Get<AnalyticsWriter>().FlushAsync();
        using var converted = await SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(new
        {
            conversionId = "conv_last", userId = "u_last", plan = "premium-monthly", amount = 54990, currency = "IDR", occurredAt = DateTimeOffset.UtcNow,
        }));
        var attribution = JsonDocument.Parse(await converted.Content.ReadAsStringAsync()).RootElement.GetProperty("attribution");

        Assert.Equal("last_click", attribution.GetProperty("method").GetString());
        Assert.Equal(ClickIdOf(clickB), attribution.GetProperty("clickId").GetString());
    }

    [Fact]
    public async Task Follow_EachKind_WritesAClaimRowOnlyWhenItHandsOutANewCode()
    {
        await using var host = await StartAsync(azurite);
        (await PutSongAsync(host, "s_claim", new { title = "Claim", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        var claims = new TableClient(azurite.ConnectionString, new StorageNames(host.StoragePrefix).ClaimsTable);
        async Task<int> ClaimRowsAsync()
        {
            var rows = 0;
            await foreach (var _ in claims.QueryAsync<TableEntity>(select: ["PartitionKey"]))
            {
                rows++;
            }

            return rows;
        }

        // A phone whose app opened the link, and a browser: no code, no row.
        var link = await OfferLinkAsync(host, "s_claim", "u_claimer", "android");
        using var phone = Browser(host, keepsCookies: true);
        using (var app = await FollowAsync(phone, link, Android, "?open=app"))
        {
            Assert.Equal("resso", app.Headers.Location!.Scheme);
        }

        using var desktop = Browser(host, keepsCookies: true);
        using (var web = await FollowAsync(desktop, link, Desktop))
        {
            Assert.Equal("www.resso.com", web.Headers.Location!.Host);
        }

        Assert.Equal(0, await ClaimRowsAsync());

        // The Play Store with a code: one row; following again hands out the same code and writes none.
        var codes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var store = await FollowAsync(phone, link, Android);
            Assert.Equal("play.google.com", store.Headers.Location!.Host);
            codes.Add(Uri.UnescapeDataString(store.Headers.Location.Query.Split("referrer=")[1]).Split("claim=")[1]);
        }

        Assert.Single(codes.Distinct());
        Assert.Equal(1, await ClaimRowsAsync());

        // Another phone, an iPhone without a cookie: its own code and row; its repeats, none.
        using var iphone = Browser(host, keepsCookies: false);
        var shown = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var page = await FollowAsync(iphone, link, Iphone);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            shown.Add(System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "<code id=\"code\">([A-Z0-9]{10})</code>").Groups[1].Value);
        }

        Assert.Single(shown.Distinct());
        Assert.DoesNotContain(shown[0], codes);
        Assert.Equal(2, await ClaimRowsAsync());

        // The code still redeems once, for the song.
        using var redeemed = await host.Client.PostAsync(new Uri($"/api/claims/{codes[0]}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
    }
}
