using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Resso.Ml.Benchmarks;

// dotnet run -c Release --project bench/Resso.Ml.Benchmarks -- --filter '*'            BenchmarkDotNet, default job
// dotnet run -c Release --project bench/Resso.Ml.Benchmarks -- --quick --filter '*'    short job (3 warm-ups, 3 iterations)
// dotnet run -c Release --project bench/Resso.Ml.Benchmarks -- train-synthetic [--interactions 10000000] …
// dotnet run -c Release --project bench/Resso.Ml.Benchmarks -- serving-memory [--songs 1000000] [--arrays] …
if (args.Length > 0 && args[0] == "serving-memory")
{
    try
    {
        return ServingMemory.Run(args);
    }
    catch (ArgumentException exception)
    {
        await Console.Error.WriteLineAsync(exception.Message);
        return 2;
    }
}

if (args.Length > 0 && args[0] == "train-synthetic")
{
    try
    {
        return TrainSynthetic.Run(args);
    }
    catch (ArgumentException exception)
    {
        await Console.Error.WriteLineAsync(exception.Message);
        return 2;
    }
}

var quick = args.Contains("--quick");
IConfig config = DefaultConfig.Instance;
if (quick)
{
    config = config.AddJob(Job.ShortRun);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(TopKBenchmarks).Assembly).Run([.. args.Where(a => a != "--quick")], config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
