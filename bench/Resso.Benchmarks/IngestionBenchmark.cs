using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using Azure.Data.Tables;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Testing;

namespace Resso.Benchmarks;

/// <summary>
/// Events/s from HTTP POST to counted in Tables, against the raw entity-group-transaction
/// throughput of the same Azurite measured in the same run.
/// </summary>
internal static class IngestionBenchmark
{
    public static async Task<int> RunAsync(int events, int users, int songs, int concurrency, int rounds)
    {
        await using var azurite = await AzuriteServer.StartAsync();
        Console.WriteLine($"Azurite (in memory) on 127.0.0.1:{azurite.TablePort}; {Environment.ProcessorCount} cores; {events:N0} events over {users:N0} users and {songs:N0} songs; {concurrency} concurrent requests; {rounds} rounds");
        var rows = new List<(double Raw, double EndToEnd)>();
        for (var round = 1; round <= rounds; round++)
        {
            var raw = await RawTransactionsAsync(azurite, entities: events * 2, concurrency);
            var e2e = await EndToEndAsync(azurite, events, users, songs, concurrency, seed: round);
            rows.Add((raw, e2e));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: raw EGT {raw:N0} entities/s, end-to-end {e2e:N0} events/s, ratio {e2e / raw:P0}"));
        }

        var median = rows.OrderBy(r => r.EndToEnd / r.Raw).ElementAt(rows.Count / 2);
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("| --- | --- |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| raw Azurite EGT (100 entities/transaction, {concurrency} concurrent) | {median.Raw:N0} entities/s |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| end-to-end: POST /api/events → counted in Tables | {median.EndToEnd:N0} events/s |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| ratio (median of {rounds} rounds) | {median.EndToEnd / median.Raw:P0} |"));
        return 0;
    }

    /// <summary>The ceiling: full 100-entity transactions of event-sized entities into spread partitions.</summary>
    private static async Task<double> RawTransactionsAsync(AzuriteServer azurite, int entities, int concurrency)
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("raw"));
        await table.CreateAsync();
        var batches = Enumerable.Range(0, entities / 100).Select(b => Enumerable.Range(0, 100).Select(i => new TableEntity($"p{b % 32:D2}", $"r{b}_{i}")
        {
            ["MessageId"] = Guid.NewGuid().ToString(),
            ["SongId"] = "s_000123",
            ["Action"] = "View",
            ["OccurredAt"] = DateTimeOffset.UtcNow,
            ["Weight"] = 1.0,
        }).Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)).ToList()).ToList();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = concurrency * 4 }, async (batch, ct) => await table.SubmitTransactionAsync(batch, ct));
        return entities / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> EndToEndAsync(AzuriteServer azurite, int events, int users, int songs, int concurrency, int seed)
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
        var counted = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IngestionMetrics.MeterName && instrument.Name == "resso.events.counted")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        var batches = Generate(events, users, songs, seed).Chunk(500).ToList();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (batch, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events")
            {
                Content = JsonContent.Create(new SongUsedBatch(batch), EventJsonContext.Default.SongUsedBatch),
            };
            request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
            using var response = await host.Client.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
        });

        while (Interlocked.Read(ref counted) < events)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"only {counted} of {events} events counted after 10 minutes");
            }

            await Task.Delay(20);
        }

        var elapsed = watch.Elapsed;
        var audited = await host.Get<InteractionStore>().CountEventsAsync();
        if (audited != events)
        {
            throw new InvalidOperationException($"audit: {audited} events counted in Tables, expected {events}");
        }

        return events / elapsed.TotalSeconds;
    }

    private static IEnumerable<SongUsedEvent> Generate(int events, int users, int songs, int seed)
    {
        var random = new Random(seed);
        var actions = Enum.GetValues<SongAction>();
        var regions = new[] { "ID", "US", "BR", "MX", "IN", "PH", "GB", "JP" };
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < events; i++)
        {
            // Power-law songs: most events go to a few hits.
            var song = (int)(songs * Math.Pow(random.NextDouble(), 3));
            yield return new SongUsedEvent(
                $"b{seed}_{i}", $"u_{random.Next(users):D6}", $"s_{song:D6}", $"v_{random.Next(100_000):D6}",
                actions[random.Next(actions.Length)], regions[random.Next(regions.Length)],
                now.AddMinutes(-random.Next(1, 60 * 24)), new Segment(30_000, 45_000));
        }
    }
}
