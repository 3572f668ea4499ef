using System.Globalization;
using Resso.Benchmarks;

// Usage:
//   dotnet run --project bench/Resso.Benchmarks -c Release -- ingestion [events] [users] [songs] [concurrency] [rounds]
//   dotnet run --project bench/Resso.Benchmarks -c Release -- serving-model [songs] [users] [dimension] [--ffm-only]
//     (publishes into AzureWebJobsStorage / Resso__Storage__Prefix from the environment, default Azurite; with the
//     two-stage pipeline a training of that size produces, or with --ffm-only the FFM factors alone)
//   dotnet run --project bench/Resso.Benchmarks -c Release -- attribution [offers] [songs] [repetitions]
//     (seeds a fresh Azurite with 92 days of offers, clicks, claims and conversions, then times the attribution report,
//     and the dashboard's funnel page in the system's Chromium when there is one)
//   dotnet run --project bench/Resso.Benchmarks -c Release -- scale [events] [viral] [batch] [rate] [user-partitions] [stats-shards] [user-activity]
//     (ingestion's storage writes per partition under Zipf traffic with a viral song, scaled to a target rate against
//     Azure Storage's scalability targets; see docs/scale.md)
//   dotnet run --project bench/Resso.Benchmarks -c Release -- catalog-rows [songs]
//     (writes full catalog rows for s_000000… in batched transactions, as the traffic generator's --catalog would one by one)
//   dotnet run --project bench/Resso.Benchmarks -c Release -- catalog-snapshot [songs]
//     (publishes a compact catalog snapshot of that many songs into AzureWebJobsStorage / Resso__Storage__Prefix: the
//     catalog table's songs, then generated ones; instances swap to it within seconds)
var flags = args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
int Arg(int index, int fallback) => positional.Length > index ? int.Parse(positional[index], CultureInfo.InvariantCulture) : fallback;
switch (positional.FirstOrDefault())
{
    case "ingestion":
        return await IngestionBenchmark.RunAsync(Arg(1, 20_000), Arg(2, 5_000), Arg(3, 2_000), Arg(4, 4), Arg(5, 3));
    case "serving-model":
        return await ServingModel.PublishAsync(
            Environment.GetEnvironmentVariable("AzureWebJobsStorage") ?? "UseDevelopmentStorage=true",
            Environment.GetEnvironmentVariable("Resso__Storage__Prefix") ?? "",
            Arg(1, 100_000), Arg(2, 20_000), Arg(3, 128), flags.Contains("--ffm-only"));
    case "attribution":
        return await AttributionReportBenchmark.RunAsync(Arg(1, 300_000), Arg(2, 10_000), Arg(3, 5));
    case "scale":
        return await ScaleSimulation.RunAsync(Arg(1, 40_000), positional.Length > 2 ? double.Parse(positional[2], CultureInfo.InvariantCulture) : 0.2,
            Arg(3, 100), Arg(4, 100_000), Arg(5, 128), Arg(6, 32), positional.Length > 7 ? double.Parse(positional[7], CultureInfo.InvariantCulture) : 0.8);
    case "catalog-rows":
        return await CatalogSnapshotBenchmark.SeedRowsAsync(
            Environment.GetEnvironmentVariable("AzureWebJobsStorage") ?? "UseDevelopmentStorage=true",
            Environment.GetEnvironmentVariable("Resso__Storage__Prefix") ?? "",
            Arg(1, 100_000));
    case "catalog-snapshot":
        return await CatalogSnapshotBenchmark.PublishAsync(
            Environment.GetEnvironmentVariable("AzureWebJobsStorage") ?? "UseDevelopmentStorage=true",
            Environment.GetEnvironmentVariable("Resso__Storage__Prefix") ?? "",
            Arg(1, 10_000_000));
    default:
        Console.Error.WriteLine("usage: Resso.Benchmarks ingestion [events=20000] [users=5000] [songs=2000] [concurrency=4] [rounds=3]");
        Console.Error.WriteLine("       Resso.Benchmarks serving-model [songs=100000] [users=20000] [dimension=128] [--ffm-only]");
        Console.Error.WriteLine("       Resso.Benchmarks attribution [offers=300000] [songs=10000] [repetitions=5]");
        Console.Error.WriteLine("       Resso.Benchmarks scale [events=40000] [viral=0.2] [batch=100] [rate=100000] [user-partitions=128] [stats-shards=32] [user-activity=0.8]");
        Console.Error.WriteLine("       Resso.Benchmarks catalog-rows [songs=100000]");
        Console.Error.WriteLine("       Resso.Benchmarks catalog-snapshot [songs=10000000]");
        return 2;
}
