using System.Globalization;
using Resso.Benchmarks;

// Usage: dotnet run --project bench/Resso.Benchmarks -c Release -- ingestion [events] [users] [songs] [concurrency] [rounds]
if (args.Length == 0 || args[0] != "ingestion")
{
    Console.Error.WriteLine("usage: Resso.Benchmarks ingestion [events=20000] [users=5000] [songs=2000] [concurrency=4] [rounds=3]");
    return 2;
}

int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
return await IngestionBenchmark.RunAsync(Arg(1, 20_000), Arg(2, 5_000), Arg(3, 2_000), Arg(4, 4), Arg(5, 3));
