using System.Globalization;
using Azure.Data.Tables;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using Resso.Traffic.Generation;

namespace Resso.Benchmarks;

/// <summary>
/// Whether ingestion's storage layout holds at a target rate: runs real traffic (Zipf songs and
/// users, optionally one viral song) through a self-host on Azurite, records every storage write
/// by partition, and scales each partition's share of the writes to the target rate, against
/// Azure Storage's scalability targets. A partition's share of the writes does not depend on the
/// rate (keys depend on users, messages and hours, not on time), so the load at the target rate is
/// the rate times the writes per event measured here.
/// </summary>
internal static class ScaleSimulation
{
    // Azure Storage scalability targets (learn.microsoft.com/azure/storage/tables/scalability-targets,
    // …/queues/scalability-targets, …/common/scalability-targets-standard-account).
    private const int PartitionEntitiesPerSecond = 2_000;
    private const int QueueMessagesPerSecond = 2_000;
    private const int AccountRequestsPerSecond = 20_000;

    private sealed record Scenario(string Name, double Viral, int UserPartitions, int StatsShards);

    public static async Task<int> RunAsync(int events, double viral, int batch, int rate, int userPartitions, int statsShards, double userActivity)
    {
        Scenario[] scenarios =
        [
            new("defaults, no viral song", 0, 8, 8),
            new(string.Create(CultureInfo.InvariantCulture, $"defaults, viral song {viral:P0}"), viral, 8, 8),
            new(string.Create(CultureInfo.InvariantCulture, $"{userPartitions} user partitions, {statsShards} stats shards, viral song {viral:P0}"), viral, userPartitions, statsShards),
        ];
        await using var azurite = await AzuriteServer.StartAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{events:N0} events per scenario, 200,000 users (activity Zipf {userActivity}), 50,000 songs (Zipf 1.1), batches of {batch}; scaled to {rate:N0} events/s; {Environment.ProcessorCount} cores"));
        var verdicts = new List<bool>();
        foreach (var scenario in scenarios)
        {
            verdicts.Add(await RunScenarioAsync(azurite, scenario, events, batch, rate, userActivity));
        }

        return verdicts[^1] ? 0 : 1;
    }

    private static async Task<bool> RunScenarioAsync(AzuriteServer azurite, Scenario scenario, int events, int batch, int rate, double userActivity)
    {
        var recorder = new StorageWriteRecorder(new Dictionary<int, string> { [azurite.TablePort] = "table", [azurite.QueuePort] = "queue", [azurite.BlobPort] = "blob" });
        await using var host = await SelfHostServer.StartAsync(
            azurite.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Resso:Ingestion:UserPartitions"] = scenario.UserPartitions.ToString(CultureInfo.InvariantCulture),
                ["Resso:Ingestion:StatsShards"] = scenario.StatsShards.ToString(CultureInfo.InvariantCulture),
            },
            recorder.AddTo);
        var names = host.Get<StorageNames>();
        TrafficGenerator Traffic(int run) => new(
            new TrafficOptions { Events = events, Users = 200_000, Songs = 50_000, Clusters = 24, Seed = 11, Run = run, DuplicateRate = 0, UserActivityExponent = userActivity, Days = 1.0 / 24, ViralShare = scenario.Viral },
            TimeProvider.System);

        Console.WriteLine();
        Console.WriteLine($"### {scenario.Name}");
        // A first run of the same world, not recorded, then the catalog roll-up, which publishes the
        // snapshot that tells counting which songs the catalog has: steady state, where only songs
        // never seen before the last roll-up get a placeholder.
        await IngestionBenchmark.PostAndCountAsync(host, [.. Traffic(1).Generate().Select(g => g.Event)], batch, concurrency: 4);
        // Every song of the world in the catalog, as labels deliver songs before videos use them: a
        // song's first use is then not its first appearance (written straight to the table, so that
        // this instance learns of them from the snapshot, as any other instance would).
        var songs = new TableClient(azurite.ConnectionString, names.SongsTable);
        await Parallel.ForEachAsync(
            Traffic(1).World.Songs.Select(s => s.Id).GroupBy(TableKeys.CatalogPartition).SelectMany(p => p.Chunk(InteractionStore.MaxTransactionActions)),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (chunk, ct) => await songs.SubmitTransactionAsync(
                chunk.Select(id => new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity(TableKeys.CatalogPartition(id), id))), ct));
        using (var rollup = await host.KeyedClient.PostAsync(new Uri("/api/catalog/rollup", UriKind.Relative), content: null))
        {
            rollup.EnsureSuccessStatusCode();
        }

        await SettleAsync(recorder);
        var generator = Traffic(2);
        var sent = generator.Generate().Select(g => g.Event).ToList();
        recorder.Recording = true;
        await IngestionBenchmark.PostAndCountAsync(host, sent, batch, concurrency: 4);
        // What follows the count (user vectors folded in, placeholders, statistics) settles.
        await SettleAsync(recorder);
        recorder.Recording = false;

        var perEvent = (double)rate / sent.Count;
        var topSong = sent.GroupBy(e => e.SongId, StringComparer.Ordinal).Max(g => g.Count());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"most used song: {topSong / (double)sent.Count:P1} of events{(generator.ViralSong is { } v ? $" ({v.Id}, the viral song)" : "")}; " +
            $"a partition per song would take {topSong * perEvent:N0} entities/s at the target rate"));
        var topUser = sent.GroupBy(e => e.UserId, StringComparer.Ordinal).Max(g => g.Count());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"most active user: {topUser / (double)sent.Count:P2} of events, {topUser * perEvent:N0} events/s at the target rate (all in one user partition)"));
        Console.WriteLine();
        Console.WriteLine("| written to | partitions | writes per event | busiest partition at target (entities/s) | target | holds |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        var holds = true;
        foreach (var table in recorder.Entities.GroupBy(e => e.Key.Table, StringComparer.Ordinal).OrderByDescending(t => t.Sum(p => p.Value)))
        {
            var busiest = table.Max(p => p.Value) * perEvent;
            var ok = busiest <= PartitionEntitiesPerSecond;
            holds &= ok;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| table `{Logical(table.Key, host.StoragePrefix)}` | {table.Count():N0} | {table.Sum(p => p.Value) / (double)sent.Count:F3} | {busiest:N0} | {PartitionEntitiesPerSecond:N0} | {(ok ? "yes" : "**no**")} |"));
        }

        foreach (var (queue, messages) in recorder.MessagesPut)
        {
            var perSecond = messages * perEvent;
            var ok = perSecond <= QueueMessagesPerSecond;
            holds &= ok;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| queue `{Logical(queue, host.StoragePrefix)}` | 1 | {messages / (double)sent.Count:F4} | {perSecond:N0} messages/s | {QueueMessagesPerSecond:N0} | {(ok ? "yes" : "**no**")} |"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"requests per event: {string.Join(", ", recorder.Requests.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value / (double)sent.Count:F3}"))}; " +
            $"entities per event {recorder.Entities.Sum(e => e.Value) / (double)sent.Count:F3}"));
        // An account's target counts entities for tables (a transaction of 100 is 100) and requests for the rest.
        var accountLoad = (recorder.Entities.Sum(e => e.Value) + recorder.Requests.Where(r => r.Key != "table write").Sum(r => r.Value)) * perEvent;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"at {rate:N0} events/s: {accountLoad:N0} operations/s (table entities written, table reads, queue and blob requests) → at least {Math.Ceiling(accountLoad / AccountRequestsPerSecond):N0} storage accounts of {AccountRequestsPerSecond:N0}/s"));
        Console.WriteLine($"every partition and queue within its target: {(holds ? "yes" : "no")}");
        return holds;
    }

    // Waits until nothing has been written for two seconds (at most a minute).
    private static async Task SettleAsync(StorageWriteRecorder recorder)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var last = -1;
        while (watch.Elapsed < TimeSpan.FromMinutes(1))
        {
            var now = recorder.Entities.Sum(e => e.Value) + recorder.MessagesPut.Sum(m => m.Value);
            if (now == last)
            {
                return;
            }

            last = now;
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private static string Logical(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
}
