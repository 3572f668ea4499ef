using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using Azure.Data.Tables;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Telemetry;
using Resso.Testing;
using Resso.Traffic.Generation;

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
        var elapsed = await PostAndCountAsync(host, [.. Generate(events, users, songs, seed)], batch: 500, concurrency);
        return events / elapsed.TotalSeconds;
    }

    /// <summary>
    /// Posts <paramref name="events"/> (distinct) to <c>POST /api/events</c> in batches, and returns
    /// once the processor has counted them all (<c>resso.events.counted</c>) and a full scan of the
    /// event rows finds exactly that many more: the time from the first POST to the last count.
    /// </summary>
    public static async Task<TimeSpan> PostAndCountAsync(SelfHostServer host, IReadOnlyList<SongUsedEvent> events, int batch, int concurrency)
    {
        var before = await host.Get<InteractionStore>().CountEventsAsync();
        var counted = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RessoTelemetry.Name && instrument.Name == RessoTelemetry.Instruments.EventsCounted)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        var batches = events.Chunk(batch).ToList();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (chunk, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events")
            {
                Content = JsonContent.Create(new SongUsedBatch(chunk), EventJsonContext.Default.SongUsedBatch),
            };
            request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
            using var response = await host.Client.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
        });

        var posted = watch.Elapsed;
        while (Interlocked.Read(ref counted) < events.Count)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"only {counted} of {events.Count} events counted after 10 minutes");
            }

            await Task.Delay(20);
        }

        var elapsed = watch.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  posted in {posted.TotalSeconds:F1} s, counted in {elapsed.TotalSeconds:F1} s"));
        var audited = await host.Get<InteractionStore>().CountEventsAsync() - before;
        if (audited != events.Count)
        {
            throw new InvalidOperationException($"audit: {audited} more events counted in Tables, expected {events.Count}");
        }

        return elapsed;
    }

    /// <summary>Live traffic from the product's generator: distinct events of the last hour, as the processor sees them in steady state.</summary>
    private static IEnumerable<SongUsedEvent> Generate(int events, int users, int songs, int seed) =>
        new TrafficGenerator(new TrafficOptions { Events = events, Users = users, Songs = songs, Seed = seed, DuplicateRate = 0, Days = 1.0 / 24 }, TimeProvider.System)
            .Generate().Select(g => g.Event);
}
