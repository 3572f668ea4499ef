using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Resso.Functions.Core.Offers;
using Resso.Shared.Attribution;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Links;
using Resso.Shared.Offers;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>The whole funnel over real HTTP and Azurite: event → offer → click → claim → conversion → report.</summary>
public sealed class FunnelTests(AzuriteFixture azurite)
{
    private static HttpClient NoRedirects(SelfHostServer host) =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static Task<HttpResponseMessage> PutSongAsync(SelfHostServer host, string songId, string label, params string[] regions) =>
        IngestionHarness.PutSongAsync(host, songId, new { title = "Lagu " + songId, artist = "Nadia", label, durationMs = 200_000, regions });

    private static Task<HttpResponseMessage> ConvertAsync(SelfHostServer host, object body) =>
        SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(body));

    private static async Task<JsonElement> ReportAsync(SelfHostServer host, string groupBy)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/attribution?groupBy={groupBy}&from={DateTimeOffset.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-dd}");
        request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonAsync(response);
    }

    private static JsonElement Row(JsonElement report, string key) =>
        report.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("key").GetString() == key);

    [Fact]
    public async Task Funnel_EventOfferClickClaimConversion_ReportShowsItUnderSongLabelRegionVideoAndVariant()
    {
        await using var host = await StartAsync(azurite);
        using var client = NoRedirects(host);
        (await PutSongAsync(host, "s_hit", "Aurora Records")).EnsureSuccessStatusCode();

        // A creator uses the song; the processor counts it and the hourly roll-up learns its hook.
        var use = Events.Valid(userId: "u_creator", songId: "s_hit", action: SongAction.Create, region: "ID", segment: new Segment(61_000, 76_000)) with { VideoId = "v_dance" };
        (await PostAsync(host, JsonSerializer.SerializeToElement(use, EventJsonContext.Default.SongUsedEvent))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), 1);
        await host.Get<SegmentRollup>().RunAsync();

        // A viewer taps the song: the offer opens the song at its most used segment.
        using var offerResponse = await host.KeyedClient.GetAsync(new Uri("/api/songs/s_hit/offer?userId=u_viewer&videoId=v_dance&region=ID&platform=android", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, offerResponse.StatusCode);
        var offer = await JsonAsync(offerResponse);
        Assert.Equal("free_trial", offer.GetProperty("offer").GetProperty("kind").GetString());
        Assert.Equal(60_000, offer.GetProperty("startMs").GetInt32());
        Assert.Equal("IDR", offer.GetProperty("offer").GetProperty("currency").GetString());
        var variant = offer.GetProperty("offer").GetProperty("variant").GetString();
        Assert.Contains(variant, new[] { "t30", "t14" });
        var universal = new Uri(offer.GetProperty("links").GetProperty("universal").GetString()!);
        Assert.Equal("links.resso.example", universal.Host);
        Assert.StartsWith("resso://track/s_hit?t=60000&c=", offer.GetProperty("links").GetProperty("app").GetString(), StringComparison.Ordinal);

        // The viewer follows the link on an Android phone without the app: Play Store with a claim code.
        using var follow = await client.GetAsync(new Uri(universal.AbsolutePath, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, follow.StatusCode);
        var store = follow.Headers.Location!;
        Assert.Equal("play.google.com", store.Host);
        var code = Uri.UnescapeDataString(store.Query.Split("referrer=")[1]).Split("claim=")[1];

        // After installing, the app redeems the code exactly once.
        using var claimed = await host.Client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        var claim = await JsonAsync(claimed);
        Assert.Equal(("s_hit", 60_000, "free_trial"), (claim.GetProperty("songId").GetString(), claim.GetProperty("startMs").GetInt32(), claim.GetProperty("offerKind").GetString()));
        using var again = await host.Client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        // Billing reports the trial, then reports it again.
        var conversion = new { conversionId = "conv_1", userId = "u_viewer", plan = "premium-monthly", amount = 0, currency = "IDR", occurredAt = DateTimeOffset.UtcNow, trial = true, claimCode = code };
        using var converted = await ConvertAsync(host, conversion);
        Assert.Equal(HttpStatusCode.Created, converted.StatusCode);
        Assert.Equal("claim", (await JsonAsync(converted)).GetProperty("attribution").GetProperty("method").GetString());
        using var duplicate = await ConvertAsync(host, conversion);
        Assert.Equal(HttpStatusCode.OK, duplicate.StatusCode);
        Assert.True((await JsonAsync(duplicate)).GetProperty("duplicate").GetBoolean());

        // A paid conversion later (after the click is written behind the redirect), attributed to the viewer's last click.
        await host.Get<AnalyticsWriter>().FlushAsync();
        using var paid = await ConvertAsync(host, new { conversionId = "conv_2", userId = "u_viewer", plan = "premium-monthly", amount = 54990, currency = "IDR", occurredAt = DateTimeOffset.UtcNow });
        Assert.Equal("last_click", (await JsonAsync(paid)).GetProperty("attribution").GetProperty("method").GetString());

        // The next offer to the viewer knows they subscribed.
        using var next = await host.KeyedClient.GetAsync(new Uri("/api/songs/s_hit/offer?userId=u_viewer&region=ID&platform=ios", UriKind.Relative));
        Assert.Equal("open_in_app", (await JsonAsync(next)).GetProperty("offer").GetProperty("kind").GetString());

        await host.Get<AnalyticsWriter>().FlushAsync();
        // Two offers to the same viewer (same variant): the first in the video, the second without one.
        foreach (var (groupBy, key, offers) in new[] { ("song", "s_hit", 2), ("label", "Aurora Records", 2), ("region", "ID", 2), ("video", "v_dance", 1), ("variant", $"trial-length/{variant}", 2) })
        {
            var row = Row(await ReportAsync(host, groupBy), key);
            Assert.True(row.GetProperty("offers").GetInt64() == offers, $"{groupBy}: {row}");
            Assert.Equal(1, row.GetProperty("clicks").GetInt64());
            Assert.Equal(1, row.GetProperty("claims").GetInt64());
            Assert.Equal(2, row.GetProperty("conversions").GetInt64());
            Assert.Equal(1, row.GetProperty("trials").GetInt64());
            Assert.Equal(54990m, row.GetProperty("revenue").GetProperty("IDR").GetDecimal());
        }

        var songReport = await ReportAsync(host, "song");
        Assert.Equal("song", songReport.GetProperty("groupBy").GetString());
        var bySong = Row(songReport, "s_hit");
        Assert.Equal(1, bySong.GetProperty("uses").GetInt64());
        Assert.Equal(("Lagu s_hit", "Nadia"), (bySong.GetProperty("title").GetString(), bySong.GetProperty("artist").GetString()));
        var byVariant = Row(await ReportAsync(host, "variant"), $"trial-length/{variant}");
        Assert.True(byVariant.GetProperty("conversionRateInterval").GetProperty("low").GetDouble() >= 0);

        // The second offer had no video: its own row, named so, not an empty key.
        var byVideo = await ReportAsync(host, "video");
        Assert.Equal("video", byVideo.GetProperty("groupBy").GetString());
        Assert.Equal(1, Row(byVideo, "(no video)").GetProperty("offers").GetInt64());
        Assert.DoesNotContain(byVideo.GetProperty("rows").EnumerateArray(), r => r.GetProperty("key").GetString() == "");

        // Rates and their bounds are rounded alike (6 decimals).
        foreach (var row in songReport.GetProperty("rows").EnumerateArray().Append(songReport.GetProperty("total")))
        {
            foreach (var number in new[] { row.GetProperty("clickThroughRate"), row.GetProperty("conversionRate"), row.GetProperty("conversionRateInterval").GetProperty("low"), row.GetProperty("conversionRateInterval").GetProperty("high") })
            {
                Assert.Equal(Math.Round(number.GetDouble(), 6), number.GetDouble());
                Assert.True(number.GetRawText().Length <= 8, number.GetRawText());
            }
        }

        // The same funnel per hour: every hour of the period present, and the hours add up to the report's row.
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        using var seriesRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/attribution/series?groupBy=song&interval=hour&from={from:yyyy-MM-ddTHH}:00:00Z&to={from.AddDays(2):yyyy-MM-ddTHH}:00:00Z");
        seriesRequest.Headers.Add("x-functions-key", SelfHostServer.TestKey);
        using var seriesResponse = await host.Client.SendAsync(seriesRequest);
        Assert.Equal(HttpStatusCode.OK, seriesResponse.StatusCode);
        var series = await JsonAsync(seriesResponse);
        Assert.Equal(("hour", "song"), (series.GetProperty("interval").GetString(), series.GetProperty("groupBy").GetString()));
        var hit = Assert.Single(series.GetProperty("series").EnumerateArray());
        Assert.Equal(("s_hit", "Lagu s_hit"), (hit.GetProperty("key").GetString(), hit.GetProperty("title").GetString()));
        var points = hit.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(48, points.Count);
        Assert.Equal(points.Select(p => p.GetProperty("at").GetDateTimeOffset()).Order(), points.Select(p => p.GetProperty("at").GetDateTimeOffset()));
        foreach (var name in new[] { "offers", "clicks", "claims", "conversions", "trials" })
        {
            Assert.Equal(bySong.GetProperty(name).GetInt64(), points.Sum(p => p.GetProperty(name).GetInt64()));
        }

        Assert.Equal(54990m, points.Sum(p => p.GetProperty("revenue").TryGetProperty("IDR", out var idr) ? idr.GetDecimal() : 0));
        Assert.Equal(points.Sum(p => p.GetProperty("offers").GetInt64()), series.GetProperty("total").GetProperty("points").EnumerateArray().Sum(p => p.GetProperty("offers").GetInt64()));

        // The CSV carries the same rows with title and artist.
        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/attribution?groupBy=song&from={DateTimeOffset.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-dd}");
        csvRequest.Headers.Add("x-functions-key", SelfHostServer.TestKey);
        csvRequest.Headers.Add("Accept", "text/csv");
        using var csvResponse = await host.Client.SendAsync(csvRequest);
        var csv = (await csvResponse.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = csv[0].Split(',');
        var line = csv.Single(l => l.StartsWith("s_hit,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(("Lagu s_hit", "Nadia"), (line[Array.IndexOf(header, "title")], line[Array.IndexOf(header, "artist")]));
        Assert.Equal(header.Length, line.Length);
        Assert.Equal(header.Length, csv[^1].Split(',').Length);
    }

    [Fact]
    public async Task Conversion_OnOneInstance_TheOtherStopsOfferingATrialWithinSeconds()
    {
        var prefix = AzuriteFixture.UniqueName("sub");
        await using var billing = await StartAsync(azurite, prefix: prefix);
        await using var viewer = await StartAsync(azurite, prefix: prefix);
        (await PutSongAsync(billing, "s_hit", "Aurora Records")).EnsureSuccessStatusCode();
        async Task<string?> OfferKindAsync()
        {
            using var response = await viewer.KeyedClient.GetAsync(new Uri("/api/songs/s_hit/offer?userId=u_converts&region=ID&platform=ios", UriKind.Relative));
            return (await JsonAsync(response)).GetProperty("offer").GetProperty("kind").GetString();
        }

        // The viewer's instance caches "never subscribed" (fresh for five minutes).
        Assert.Equal("free_trial", await OfferKindAsync());
        using var converted = await ConvertAsync(billing, new { conversionId = "conv_elsewhere", userId = "u_converts", plan = "premium-monthly", amount = 0, currency = "IDR", occurredAt = DateTimeOffset.UtcNow, trial = true });
        Assert.Equal(HttpStatusCode.Created, converted.StatusCode);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var kind = await OfferKindAsync();
        while (kind == "free_trial" && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(200);
            kind = await OfferKindAsync();
        }

        // Within a few polls of the change, far sooner than the cached state would go stale.
        Assert.Equal("open_in_app", kind);
        Assert.True(waited.Elapsed < SubscriptionChangeWatcher.PollEvery * 3, $"took {waited.Elapsed}");
    }

    [Fact]
    public async Task Report_ByLabel_CountsEachSongsUsesUnderItsCatalogLabel()
    {
        await using var host = await StartAsync(azurite);
        (await PutSongAsync(host, "s_a1", "Aurora Records")).EnsureSuccessStatusCode();
        (await PutSongAsync(host, "s_a2", "Aurora Records")).EnsureSuccessStatusCode();
        (await PutSongAsync(host, "s_b1", "Borealis")).EnsureSuccessStatusCode();

        // Videos made with the songs, none of them offered yet: the label rows come from uses alone.
        var uses = new[] { "s_a1", "s_a1", "s_a2", "s_b1" }
            .Select((song, i) => Events.Valid(userId: $"u_creator{i}", songId: song, action: SongAction.Create, region: "ID"))
            .ToList();
        (await PostAsync(host, JsonSerializer.SerializeToElement(new SongUsedBatch(uses), EventJsonContext.Default.SongUsedBatch))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), uses.Count);

        var byLabel = await ReportAsync(host, "label");
        Assert.Equal(3, Row(byLabel, "Aurora Records").GetProperty("uses").GetInt64());
        Assert.Equal(1, Row(byLabel, "Borealis").GetProperty("uses").GetInt64());
        Assert.Equal(0, Row(byLabel, "Borealis").GetProperty("offers").GetInt64());
        Assert.Equal(4, byLabel.GetProperty("total").GetProperty("uses").GetInt64());
    }

    [Fact]
    public async Task Report_AcceptCsv_IsCsvWithAHeaderAndATotal()
    {
        await using var host = await StartAsync(azurite);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/reports/attribution?groupBy=region");
        request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
        request.Headers.Add("Accept", "text/csv");

        using var response = await host.Client.SendAsync(request);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("region,uses,offers,clicks,claims,conversions", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("total,", lines[^2], StringComparison.Ordinal);
        Assert.StartsWith("unattributed,", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offer_RegionWithoutPaidPlan_IsListenFree_AndUnknownSongIs404()
    {
        await using var host = await StartAsync(azurite);
        (await PutSongAsync(host, "s_any", "Indie")).EnsureSuccessStatusCode();

        using var free = await host.Client.GetAsync(new Uri("/api/songs/s_any/offer?region=FR&platform=web", UriKind.Relative));
        using var unknown = await host.Client.GetAsync(new Uri("/api/songs/s_nowhere/offer?region=ID&platform=web", UriKind.Relative));

        Assert.Equal("listen_free", (await JsonAsync(free)).GetProperty("offer").GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("urn:resso:problem:song-not-found", (await JsonAsync(unknown)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Offer_ListenFree_CarriesNoExperiment_AndTheVariantReportDoesNotCountIt()
    {
        await using var host = await StartAsync(azurite);
        using var client = NoRedirects(host);
        (await PutSongAsync(host, "s_any", "Indie", "ID", "FR")).EnsureSuccessStatusCode();

        // One viewer, in a region with a plan (ID) and in one without (FR).
        using var paidResponse = await host.KeyedClient.GetAsync(new Uri("/api/songs/s_any/offer?userId=u_traveller&region=ID&platform=web", UriKind.Relative));
        using var freeResponse = await host.KeyedClient.GetAsync(new Uri("/api/songs/s_any/offer?userId=u_traveller&region=FR&platform=web", UriKind.Relative));
        var paid = (await JsonAsync(paidResponse)).GetProperty("offer");
        var free = await JsonAsync(freeResponse);

        Assert.Equal(("free_trial", "trial-length"), (paid.GetProperty("kind").GetString(), paid.GetProperty("experiment").GetString()));
        var variant = paid.GetProperty("variant").GetString();
        Assert.Contains(variant, new[] { "t30", "t14" });
        Assert.Equal("listen_free", free.GetProperty("offer").GetProperty("kind").GetString());
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (free.GetProperty("offer").GetProperty("experiment").ValueKind, free.GetProperty("offer").GetProperty("variant").ValueKind));

        // The signed links say the same.
        var paidLink = new Uri((await JsonAsync(paidResponse)).GetProperty("links").GetProperty("universal").GetString()!);
        var freeLink = new Uri(free.GetProperty("links").GetProperty("universal").GetString()!);
        var signer = host.Get<LinkSigner>();
        var paidClaims = signer.Verify(paidLink.Segments[^1], DateTimeOffset.UtcNow).Claims!;
        var freeClaims = signer.Verify(freeLink.Segments[^1], DateTimeOffset.UtcNow).Claims!;
        Assert.Equal(("trial-length", variant, OfferKind.FreeTrial), (paidClaims.Experiment, paidClaims.Variant, paidClaims.Kind));
        Assert.Equal(((string?)null, (string?)null, OfferKind.ListenFree), (freeClaims.Experiment, freeClaims.Variant, freeClaims.Kind));

        // A listen_free link signed before such offers left the experiments still names a variant.
        var now = DateTimeOffset.UtcNow;
        var earlier = signer.Sign(new LinkClaims("o_signed_before", "s_any", null, "u_traveller", "FR", Platform.Web, "trial-length", variant, 0, now.AddDays(-1), now.AddDays(6), OfferKind.ListenFree));
        var earlierLink = new Uri(host.BaseAddress, $"/api/l/{earlier}");

        // The links are followed; the experiment report counts the paid region's offer and click in
        // the variant, and the listen_free ones (the earlier link's click too) under "(no experiment)" only.
        foreach (var link in new[] { paidLink, freeLink, earlierLink })
        {
            using var follow = await client.GetAsync(new Uri(link.AbsolutePath, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, follow.StatusCode);
        }

        await host.Get<AnalyticsWriter>().FlushAsync();
        var report = await ReportAsync(host, "variant");
        var counted = report.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => (Offers: r.GetProperty("offers").GetInt64(), Clicks: r.GetProperty("clicks").GetInt64()));
        Assert.Equal(new Dictionary<string, (long, long)> { [$"trial-length/{variant}"] = (1, 1), [AttributionRow.NoExperiment] = (1, 2) }, counted);
    }
}
