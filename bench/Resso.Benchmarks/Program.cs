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
    default:
        Console.Error.WriteLine("usage: Resso.Benchmarks ingestion [events=20000] [users=5000] [songs=2000] [concurrency=4] [rounds=3]");
        Console.Error.WriteLine("       Resso.Benchmarks serving-model [songs=100000] [users=20000] [dimension=128] [--ffm-only]");
        Console.Error.WriteLine("       Resso.Benchmarks attribution [offers=300000] [songs=10000] [repetitions=5]");
        return 2;
}
