using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Resso.Shared.Attribution;
using Resso.Shared.Links;
using Resso.Shared.Storage;
using Resso.Testing;
using Resso.Functions.Tests.EndToEnd;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.Attribution;

/// <summary>
/// A listener who has the app follows an offer's link and subscribes in one tap: the conversion
/// reaches billing's instance a moment after the redirect answered on another. Two self-hosts on one
/// Azurite and one storage prefix, over real HTTP. The first instance's analytics writer is held, so
/// that a click left to it is never in storage in time: without the hold, its quarter-second flush
/// would make a click that waits for it found on some runs and missed on others.
/// </summary>
public sealed class ClickOrderTests(AzuriteFixture azurite)
{
    private const string Song = "s_quick";
    private const string Label = "Aurora Records";
    private const string Video = "v_dance";

    private static HttpClient Phone(SelfHostServer host) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = host.BaseAddress };

    /// <summary>Two instances on one storage prefix: the one the listener's phone reaches, and billing's.</summary>
    private static async Task<SelfHostServer> StartAsync(AzuriteFixture azurite, string prefix, StorageFaults? faults = null) =>
        await IngestionHarness.StartAsync(azurite, faults, prefix);

    /// <summary>The song in the catalog, and the first instance's analytics writer held for the rest of the test: the click is found in storage now or not at all.</summary>
    private static async Task PrepareAsync(SelfHostServer first)
    {
        (await PutSongAsync(first, Song, new { title = "Quick", artist = "Nadia", label = Label, durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        await first.Get<AnalyticsWriter>().StopAsync(CancellationToken.None);
    }

    /// <summary>The offer's universal link (path) and its offer id, as the short-video app gets them for <paramref name="userId"/>.</summary>
    private static async Task<(string Link, string OfferId)> OfferAsync(SelfHostServer host, string userId)
    {
        using var response = await host.KeyedClient.GetAsync(new Uri($"/api/songs/{Song}/offer?userId={userId}&videoId={Video}&region=ID&platform=android", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var universal = new Uri(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("links").GetProperty("universal").GetString()!);
        var token = universal.AbsolutePath.Split('/')[^1];
        var claims = host.Get<LinkSigner>().Verify(token, DateTimeOffset.UtcNow).Claims;
        Assert.NotNull(claims);
        return (universal.AbsolutePath, claims.OfferId);
    }

    /// <summary>The app opened the link: a redirect to the app URI, whose <c>c</c> is the click id.</summary>
    private static async Task<string> FollowInAppAsync(HttpClient phone, string link)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, link + "?open=app");
        request.Headers.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (Linux; Android 15; Pixel 9)");
        using var response = await phone.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("resso", response.Headers.Location!.Scheme);
        return System.Web.HttpUtility.ParseQueryString(response.Headers.Location.Query)["c"]!;
    }

    private static async Task<JsonElement> ConvertAsync(SelfHostServer host, string userId, string? clickId = null)
    {
        using var response = await SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(new
        {
            conversionId = $"c_{Guid.NewGuid():N}", userId, plan = "premium-monthly", amount = 54990, currency = "IDR", occurredAt = DateTimeOffset.UtcNow, clickId,
        }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static void AssertAttributedTo(JsonElement conversion, string method, string clickId, string offerId)
    {
        Assert.True(conversion.GetProperty("attributed").GetBoolean(), conversion.ToString());
        var attribution = conversion.GetProperty("attribution");
        var keys = attribution.GetProperty("keys");
        Assert.Equal(
            (method, clickId, offerId, Song, Label, "ID", Video),
            (attribution.GetProperty("method").GetString(), attribution.GetProperty("clickId").GetString(), attribution.GetProperty("offerId").GetString(),
             keys.GetProperty("songId").GetString(), keys.GetProperty("label").GetString(), keys.GetProperty("region").GetString(), keys.GetProperty("videoId").GetString()));
    }

    /// <summary>The rows of the clicks table, by kind: day partitions (clicks and follows), the users' index (u|…).</summary>
    private static async Task<(int Clicks, int IndexRows)> ClickRowsAsync(AzuriteFixture azurite, SelfHostServer host)
    {
        var table = new TableClient(azurite.ConnectionString, new StorageNames(host.StoragePrefix).ClicksTable);
        var (clicks, index) = (0, 0);
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            clicks += char.IsAsciiDigit(row.PartitionKey[0]) ? 1 : 0;
            index += row.PartitionKey.StartsWith("u|", StringComparison.Ordinal) ? 1 : 0;
        }

        return (clicks, index);
    }

    [Theory]
    [InlineData(false)] // billing knows only the user: the last click
    [InlineData(true)] // the app passed the click id of its URI on to billing
    public async Task Conversion_OnAnotherInstance100MsAfterTheRedirect_IsAttributedToTheClick(bool byClickId)
    {
        var prefix = AzuriteFixture.UniqueName("order");
        await using var first = await StartAsync(azurite, prefix);
        await using var second = await StartAsync(azurite, prefix);
        await PrepareAsync(first);
        var (link, offerId) = await OfferAsync(first, "u_quick");
        using var phone = Phone(first);

        var clickId = await FollowInAppAsync(phone, link);
        await Task.Delay(100); // one tap in the app that just opened
        var conversion = await ConvertAsync(second, "u_quick", byClickId ? clickId : null);

        AssertAttributedTo(conversion, byClickId ? "click" : "last_click", clickId, offerId);
    }

    [Fact]
    public async Task Follow_WhenTheClickWriteFails_StillRedirectsAndTheClickIsWrittenBehindIt_Once()
    {
        var faults = new StorageFaults();
        var prefix = AzuriteFixture.UniqueName("order");
        await using var first = await StartAsync(azurite, prefix, faults);
        await using var second = await StartAsync(azurite, prefix);
        await PrepareAsync(first);
        var (link, offerId) = await OfferAsync(first, "u_later");
        using var phone = Phone(first);

        // The repeat check (a batch) goes through; the click's own upserts (PUT) fail.
        var clicks = "/" + new StorageNames(first.StoragePrefix).ClicksTable;
        faults.FailBefore = (method, path) => method == "PUT" && path.Contains(clicks + "(", StringComparison.Ordinal);
        faults.Armed = true;
        var clickId = await FollowInAppAsync(phone, link);
        faults.Armed = false;
        Assert.True(faults.Injected > 0);

        // Not in storage until the writer flushes: a conversion now finds nothing, one after the flush finds the click.
        Assert.False((await ConvertAsync(second, "u_later")).GetProperty("attributed").GetBoolean());
        await first.Get<AnalyticsWriter>().FlushAsync();
        AssertAttributedTo(await ConvertAsync(second, "u_later"), "last_click", clickId, offerId);
        Assert.Equal((1, 1), await ClickRowsAsync(azurite, first));
    }

    [Fact]
    public async Task Follow_RepeatedAndFlushed_LeavesOneClickAndOneIndexRowBesideTheRepeats()
    {
        var prefix = AzuriteFixture.UniqueName("order");
        await using var first = await StartAsync(azurite, prefix);
        await using var second = await StartAsync(azurite, prefix);
        await PrepareAsync(first);
        var (link, offerId) = await OfferAsync(first, "u_again");
        using var phone = Phone(first);

        var clickId = await FollowInAppAsync(phone, link);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(clickId, await FollowInAppAsync(phone, link));
        }

        await first.Get<AnalyticsWriter>().FlushAsync();

        // The click and its index row once; the three repeats as follows of their own, without index rows.
        Assert.Equal((4, 1), await ClickRowsAsync(azurite, first));
        AssertAttributedTo(await ConvertAsync(second, "u_again"), "last_click", clickId, offerId);
    }
}
