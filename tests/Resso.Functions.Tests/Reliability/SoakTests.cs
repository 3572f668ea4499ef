using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.Reliability;

/// <summary>
/// Mixed load against the self-host over loopback for a bounded time: event batches (a tenth of
/// them sent again, as retrying clients do), offers, recommendations and link follows from
/// concurrent clients; then the exact-once audit of every event that got a 202. Runs
/// <c>RESSO_SOAK_SECONDS</c> seconds (default 20, the CI run); <c>RESSO_SOAK_REPORT</c> names a
/// file to write the figures to as markdown.
/// </summary>
public sealed class SoakTests(AzuriteFixture azurite)
{
    private const int Clients = 8;
    private const int Songs = 50;
    private const int Users = 300;

    private sealed class Route(string name)
    {
        public string Name { get; } = name;

        public ConcurrentQueue<double> LatenciesMs { get; } = new();

        public ConcurrentDictionary<int, int> Statuses { get; } = new();

        public void Record(HttpStatusCode status, TimeSpan took)
        {
            LatenciesMs.Enqueue(took.TotalMilliseconds);
            Statuses.AddOrUpdate((int)status, 1, static (_, n) => n + 1);
        }

        public int Errors => Statuses.Where(s => s.Key >= 500).Sum(s => s.Value);

        private int _shed;

        /// <summary>503s answered and then retried until the request went through.</summary>
        public int Shed => _shed;

        public void CountShed() => Interlocked.Increment(ref _shed);
    }

    [Fact]
    public async Task MixedLoad_NoServerErrors_AndEveryAcceptedEventCountedExactlyOnce()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("RESSO_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var s) && s > 0 ? Math.Min(s, 3600) : 20;
        await using var host = await SelfHostServer.StartAsync(
            azurite.ConnectionString,
            new Dictionary<string, string?> { ["Resso:RateLimits:Enabled"] = "false" },
            services => services.AddSingleton(FastQueues));
        for (var song = 0; song < Songs; song++)
        {
            using var put = await PutSongAsync(host, $"s_{song}", new { title = $"Song {song}", artist = "Soak", label = $"Label {song % 5}", durationMs = 200_000 });
            put.EnsureSuccessStatusCode();
        }

        var routes = new[] { new Route("POST /api/events"), new Route("GET /api/songs/{song}/offer"), new Route("GET /api/users/{user}/recommendations"), new Route("GET /api/l/{token}") };
        var accepted = new ConcurrentDictionary<(string, string), SongUsedEvent>();
        var sentBatches = new ConcurrentQueue<SongUsedEvent[]>();
        var links = new ConcurrentQueue<string>();
        var deadline = Stopwatch.StartNew();
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                var roll = random.Next(100);
                var took = Stopwatch.StartNew();
                if (roll < 40)
                {
                    var batch = roll < 4 && sentBatches.TryPeek(out var earlier)
                        ? earlier
                        : [.. Enumerable.Range(0, random.Next(1, 21)).Select(_ => Events.Valid(
                            userId: $"u_{random.Next(Users)}", songId: $"s_{random.Next(Songs)}", action: (SongAction)random.Next(4), region: random.Next(2) == 0 ? "ID" : "BR"))];
                    var response = await PostAsync(host, Batch(batch));

                    // As a client is told to: a 503 may have taken some of the events, and the whole
                    // batch again is safe. (Only a long soak outruns one Azurite on two cores this far.)
                    for (var retry = 0; response.StatusCode == HttpStatusCode.ServiceUnavailable && retry < 5; retry++)
                    {
                        routes[0].CountShed();
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(2));
                        response.Dispose();
                        response = await PostAsync(host, Batch(batch));
                    }

                    using var _ = response;
                    routes[0].Record(response.StatusCode, took.Elapsed);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        foreach (var e in batch)
                        {
                            accepted.TryAdd((e.UserId, e.EventId), e);
                        }

                        sentBatches.Enqueue(batch);
                    }
                }
                else if (roll < 70)
                {
                    using var response = await host.KeyedClient.GetAsync(new Uri($"/api/songs/s_{random.Next(Songs)}/offer?userId=u_{random.Next(Users)}&videoId=v_{random.Next(100)}&region=ID&platform=android", UriKind.Relative));
                    routes[1].Record(response.StatusCode, took.Elapsed);
                    if (response.IsSuccessStatusCode && links.Count < 1000)
                    {
                        var offer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                        links.Enqueue(new Uri(offer.GetProperty("links").GetProperty("universal").GetString()!).AbsolutePath);
                    }
                }
                else if (roll < 85)
                {
                    using var response = await host.KeyedClient.GetAsync(new Uri($"/api/users/u_{random.Next(Users)}/recommendations?count=20", UriKind.Relative));
                    routes[2].Record(response.StatusCode, took.Elapsed);
                }
                else if (links.TryDequeue(out var link))
                {
                    using var response = await noRedirects.GetAsync(new Uri(link, UriKind.Relative));
                    routes[3].Record(response.StatusCode, took.Elapsed);
                }
            }
        })));
        var elapsed = deadline.Elapsed;

        var names = new StorageNames(host.StoragePrefix);
        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), accepted.Count, seconds: Math.Max(120, seconds));
        await AssertCountedExactlyOnceAsync(azurite, names, host, [.. accepted.Values]);

        var report = Report(routes, elapsed, accepted.Count, sentBatches.Count);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        if (Environment.GetEnvironmentVariable("RESSO_SOAK_REPORT") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, report, TestContext.Current.CancellationToken);
        }

        Assert.All(routes, r => Assert.True(r.Errors == 0, $"{r.Name}: {string.Join(", ", r.Statuses)}"));
        Assert.All(routes, r => Assert.True(r.LatenciesMs.Count > 0, $"{r.Name} was never called"));
        Assert.All(routes, r => Assert.True(r.Statuses.Keys.All(k => k is >= 200 and < 400), $"{r.Name}: {string.Join(", ", r.Statuses)}"));
    }

    private static string Report(IEnumerable<Route> routes, TimeSpan elapsed, int acceptedEvents, int acceptedBatches)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Soak: {Clients} clients, {elapsed.TotalSeconds:F0} s, {Environment.ProcessorCount} cores; {acceptedEvents:N0} distinct events accepted in {acceptedBatches:N0} batches, each counted exactly once (events lost: 0, counted twice: 0).");
        text.AppendLine();
        text.AppendLine("| route | requests | req/s | p50 ms | p99 ms | 5xx | statuses | 503 then retried |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
        foreach (var route in routes)
        {
            var sorted = route.LatenciesMs.Order().ToArray();
            double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {route.Name} | {sorted.Length:N0} | {sorted.Length / elapsed.TotalSeconds:N0} | {Percentile(0.50):F2} | {Percentile(0.99):F2} | {route.Errors} | {string.Join(", ", route.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))} | {route.Shed} |");
        }

        return text.ToString();
    }
}
