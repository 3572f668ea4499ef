using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Resso.Functions.Core.Telemetry;
using Resso.Functions.SelfHost;
using Resso.Ml.Pipeline;
using Resso.Shared.Attribution;
using Resso.Shared.Configuration;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Shared.Telemetry;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;
using I = Resso.Shared.Telemetry.RessoTelemetry.Instruments;
using T = Resso.Shared.Telemetry.RessoTelemetry.Tags;

namespace Resso.Functions.Tests.Telemetry;

// OpenTelemetry listens to meters by name, process-wide: alone, so that the figures are this test's.
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>The self-host's telemetry, exported in memory after real traffic over HTTP against Azurite.</summary>
[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests(AzuriteFixture azurite)
{
    private const int EventCount = 12;

    // Every id a listener, creator or link carries: none may reach a metric tag, a span's name or its tags.
    private static readonly string[] Users = [.. Enumerable.Range(0, 3).Select(i => $"u_telsecret{i}")];
    private const string Viewer = "u_telviewer", Payer = "u_telpayer", Video = "v_telsecret";

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task SelfHost_AfterRealTraffic_ExportsTheFiguresAndNoSecret()
    {
        var activities = new Exported<Activity>();
        var metrics = new Exported<MetricSnapshot>();
        var settings = new Dictionary<string, string?>
        {
            // Exporting on, as an operator turns it on; nothing listens there, and the in-memory exporters below read the same pipeline.
            [SelfHostTelemetry.OtlpEndpointSetting] = "http://127.0.0.1:9",
            // Every trace kept, so that every span of this traffic is there to inspect.
            ["Resso:Telemetry:TraceSampleRatio"] = "1",
            ["Resso:Training:LatentDimension"] = "8",
            ["Resso:Training:Epochs"] = "2",
            ["Resso:Training:ModelPollInterval"] = "00:00:01",
        };
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, settings, services =>
        {
            services.AddSingleton(FastQueues);
            services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(activities));
            services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics, r => r.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000));
        });
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var secrets = new List<string>(Users) { Viewer, Payer, Video, SelfHostServer.TestKey };
        (await PutSongAsync(host, "s_tel", new { title = "Lagu", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID", "FR" } })).EnsureSuccessStatusCode();

        // N events accepted over HTTP, then counted by the queue handler.
        var events = Enumerable.Range(0, EventCount).Select(i => Resso.Testing.Events.Valid(userId: Users[i % Users.Length], songId: "s_tel", action: SongAction.Create) with { VideoId = Video }).ToList();
        (await PostAsync(host, Batch(events))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), EventCount);
        await host.Get<TrainingService>().TrainAsync("timer", onlyIfNewEvents: false);

        // Two kinds of offer: a trial where a plan is sold, listening free where none is.
        using var trial = await host.KeyedClient.GetAsync(new Uri($"/api/songs/s_tel/offer?userId={Viewer}&videoId={Video}&region=ID&platform=android", UriKind.Relative));
        using var free = await host.KeyedClient.GetAsync(new Uri($"/api/songs/s_tel/offer?userId={Viewer}&region=FR&platform=ios", UriKind.Relative));
        var trialLink = new Uri((await JsonAsync(trial)).GetProperty("links").GetProperty("universal").GetString()!);
        var freeLink = new Uri((await JsonAsync(free)).GetProperty("links").GetProperty("universal").GetString()!);
        secrets.Add(trialLink.Segments[^1]);
        secrets.Add(freeLink.Segments[^1]);

        // Follows: a phone without the app (store, with a claim code), the app, and a forged token.
        using var store = await noRedirects.GetAsync(new Uri(trialLink.AbsolutePath, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, store.StatusCode);
        var code = Uri.UnescapeDataString(store.Headers.Location!.Query.Split("referrer=")[1]).Split("claim=")[1];
        secrets.Add(code);
        using var app = await noRedirects.GetAsync(new Uri(freeLink.AbsolutePath + "?open=app", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, app.StatusCode);
        using var forged = await noRedirects.GetAsync(new Uri("/api/l/forgedtokenzzz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        // The claim is redeemed once; the second attempt is refused.
        using var claimed = await host.Client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        using var again = await host.Client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        // Conversions, the key in the query string as ?code=: one attributed to the claim, one to nothing.
        await host.Get<AnalyticsWriter>().FlushAsync();
        using var attributed = await noRedirects.PostAsync(
            new Uri($"/api/conversions?code={SelfHostServer.TestKey}", UriKind.Relative),
            JsonContent.Create(new { conversionId = "conv_tel1", userId = Viewer, plan = "premium-monthly", amount = 0, currency = "IDR", occurredAt = DateTimeOffset.UtcNow, trial = true, claimCode = code }));
        Assert.Equal(HttpStatusCode.Created, attributed.StatusCode);
        using var unattributed = await noRedirects.PostAsync(
            new Uri($"/api/conversions?code={SelfHostServer.TestKey}", UriKind.Relative),
            JsonContent.Create(new { conversionId = "conv_tel2", userId = Payer, plan = "premium-monthly", amount = 54990, currency = "IDR", occurredAt = DateTimeOffset.UtcNow }));
        Assert.Equal(HttpStatusCode.Created, unattributed.StatusCode);

        // The three ranking routes.
        foreach (var path in new[] { $"/api/users/{Users[0]}/recommendations?region=ID", $"/api/users/{Users[0]}/mixes?region=ID", "/api/songs/s_tel/similar" })
        {
            using var ranked = await host.KeyedClient.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ranked.StatusCode);
        }

        // The first collection starts the queue sample; the next reports it. (A flush answers false
        // here: the OTLP exporter finds nothing listening; the in-memory exporters have their copy.)
        var meters = host.Get<MeterProvider>();
        meters.ForceFlush(10_000);
        var waited = Stopwatch.StartNew();
        while (host.Get<RessoGauges>().SampledAt is null && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        meters.ForceFlush(10_000);
        host.Get<TracerProvider>().ForceFlush(10_000);
        var exported = metrics.Snapshot().Where(m => m.MeterName == RessoTelemetry.Name).GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());

        Assert.Equal(EventCount, Sum(exported, I.EventsAccepted));
        Assert.Equal(EventCount, Sum(exported, I.EventsCounted));
        var lag = Assert.Single(exported[I.EventsLag].MetricPoints);
        Assert.Equal(EventCount, lag.GetHistogramCount());
        Assert.True(lag.TryGetHistogramMinMaxValues(out var minLag, out _) && minLag >= 0, "lag ≥ 0");
        Assert.Equal(1, Sum(exported, I.OffersServed, (T.OfferKind, "free_trial")));
        Assert.Equal(1, Sum(exported, I.OffersServed, (T.OfferKind, "listen_free")));
        Assert.Equal(1, Sum(exported, I.LinksFollowed, (T.Destination, "store_with_claim")));
        Assert.Equal(1, Sum(exported, I.LinksFollowed, (T.Destination, "app")));
        Assert.Equal(1, Sum(exported, I.LinksFollowed, (T.Destination, "refused")));
        Assert.Equal(1, Sum(exported, I.Claims, (T.Outcome, "redeemed")));
        Assert.Equal(1, Sum(exported, I.Claims, (T.Outcome, "already_redeemed")));
        Assert.Equal(1, Sum(exported, I.Conversions, (T.Attributed, true), (T.AttributedBy, "claim")));
        Assert.Equal(1, Sum(exported, I.Conversions, (T.Attributed, false), (T.AttributedBy, "none")));
        foreach (var route in new[] { "recommendations", "mixes", "similar" })
        {
            Assert.Equal(1, Points(exported, I.RankingDuration, (T.Route, route)).Sum(p => (long)p.GetHistogramCount()));
        }

        Assert.Equal(1, Points(exported, I.TrainingDuration).Sum(p => (long)p.GetHistogramCount()));
        Assert.True(Assert.Single(exported[I.ModelAge].MetricPoints).GetGaugeLastValueDouble() >= 0);
        var names = new StorageNames(host.StoragePrefix);
        Assert.True(Assert.Single(Points(exported, I.QueueDepth, (T.Queue, names.SongUsedQueue))).GetGaugeLastValueLong() >= 0);
        Assert.True(Assert.Single(Points(exported, I.PoisonMessages, (T.Queue, names.SongUsedQueue))).GetGaugeLastValueLong() >= 0);

        // Spans: requests named by their route, the app's own spans, and storage calls as dependencies.
        var spans = activities.Snapshot();
        var follow = spans.First(a => a.Kind == ActivityKind.Server && Equals(a.GetTagItem("http.route"), "/api/l/{token}"));
        Assert.Equal("/api/l/{token}", follow.GetTagItem("url.path"));
        Assert.Contains(spans, a => a.Source.Name == RessoTelemetry.Name && a.DisplayName == "process song-used");
        Assert.Contains(spans, a => a.Source.Name == RessoTelemetry.Name && a.DisplayName == "train model");
        Assert.Contains(spans, a => a.Source.Name.StartsWith("Azure.Storage.Queues", StringComparison.Ordinal));
        Assert.Contains(spans, a => a.Source.Name.StartsWith("Azure.Data.Tables", StringComparison.Ordinal));

        // No secret anywhere: metric tags, span names, span tags (a query string's key included).
        var leaks = (
            from m in metrics.Snapshot()
            from p in m.MetricPoints
            from tag in TagsOf(p)
            select $"metric {m.Name}: {tag.Key}={tag.Value}")
            .Concat(spans.Select(a => $"span name: {a.DisplayName}"))
            .Concat(from a in spans from tag in a.TagObjects select $"span {a.DisplayName}: {tag.Key}={tag.Value}")
            .Where(text => secrets.Any(secret => text.Contains(secret, StringComparison.Ordinal)))
            .Distinct()
            .ToList();
        Assert.True(leaks.Count == 0, string.Join(Environment.NewLine, leaks.Take(20)));
        Assert.DoesNotContain(spans, a => a.GetTagItem("url.query") is not null);
    }

    [Fact]
    public async Task Build_WithoutOtlpEndpoint_RegistersNoTelemetryPipeline()
    {
        await using var quiet = SelfHostApp.Build(["--environment", "Development"], b => b.Configuration["AzureWebJobsStorage"] = azurite.ConnectionString);
        Assert.Null(quiet.Services.GetService<TracerProvider>());
        Assert.Null(quiet.Services.GetService<MeterProvider>());

        await using var exporting = SelfHostApp.Build(["--environment", "Development"], b =>
        {
            b.Configuration["AzureWebJobsStorage"] = azurite.ConnectionString;
            b.Configuration[SelfHostTelemetry.OtlpEndpointSetting] = "http://127.0.0.1:4317";
        });
        Assert.NotNull(exporting.Services.GetService<TracerProvider>());
        Assert.NotNull(exporting.Services.GetService<MeterProvider>());
    }

    [Theory]
    [InlineData(null, 0.1)]
    [InlineData("0", 0.0)]
    [InlineData("1", 1.0)]
    [InlineData("0.25", 0.25)]
    public void TraceSampleRatio_Setting_IsTheShareOfTracesKept(string? setting, double expected) =>
        Assert.Equal(expected, RessoOpenTelemetryExtensions.TraceSampleRatio(Settings(setting)));

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("ten percent")]
    public void TraceSampleRatio_NotAShare_NamesTheSetting(string setting)
    {
        var ex = Assert.Throws<RessoConfigurationException>(() => RessoOpenTelemetryExtensions.TraceSampleRatio(Settings(setting)));

        Assert.Equal("Resso__Telemetry__TraceSampleRatio", ex.Setting);
    }

    private static IConfiguration Settings(string? ratio) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [RessoOpenTelemetryExtensions.TraceSampleRatioKey] = ratio }).Build();

    private static IEnumerable<MetricPoint> Points(Dictionary<string, MetricSnapshot> exported, string name, params (string Key, object Value)[] tags) =>
        exported.TryGetValue(name, out var metric)
            ? metric.MetricPoints.Where(p => tags.All(t => TagsOf(p).Any(kv => kv.Key == t.Key && Equals(kv.Value, t.Value))))
            : throw new Xunit.Sdk.XunitException($"{name} was not exported; exported: {string.Join(", ", exported.Keys)}");

    private static List<KeyValuePair<string, object?>> TagsOf(MetricPoint point)
    {
        var tags = new List<KeyValuePair<string, object?>>();
        foreach (var tag in point.Tags)
        {
            tags.Add(tag);
        }

        return tags;
    }

    private static long Sum(Dictionary<string, MetricSnapshot> exported, string name, params (string Key, object Value)[] tags) =>
        Points(exported, name, tags).Sum(p => p.GetSumLong());
}
