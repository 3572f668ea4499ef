using System.Diagnostics;
using System.Globalization;
using Resso.Ml.Data;
using Resso.Ml.Ranking;
using Resso.Ml.Training;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// <c>train-synthetic</c>: trains <see cref="FfmTrainer"/> (or, with <c>--pipeline</c>, every stage of the product's
/// training) on a synthetic data set of the production's shape and reports wall time, peak working set and epochs. A single long run, so not a BenchmarkDotNet job.
/// </summary>
internal static class TrainSynthetic
{
    public const string Usage = "usage: Resso.Ml.Benchmarks train-synthetic [--interactions 10000000] [--users 200000] [--songs 100000] [--epochs n] [--dim n] [--seed 42] [--validate] [--patience n] [--live-heap] [--pipeline]";

    public static int Run(IReadOnlyList<string> args)
    {
        var interactions = 10_000_000;
        var users = 200_000;
        var songs = 100_000;
        var seed = 42;
        var options = new FfmTrainingOptions();
        var liveHeap = false;
        var pipeline = false;
        var validate = false;
        for (var index = 1; index < args.Count; index++)
        {
            int Next() => index + 1 < args.Count && int.TryParse(args[++index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new ArgumentException($"{args[index - 1]} needs a positive integer.");
            switch (args[index])
            {
                case "--interactions": interactions = Next(); break;
                case "--users": users = Next(); break;
                case "--songs": songs = Next(); break;
                case "--seed": seed = Next(); break;
                case "--epochs": options = options with { Epochs = Next() }; break;
                case "--dim": options = options with { LatentDimension = Next() }; break;
                case "--validate": validate = true; break;
                case "--patience": options = options with { EarlyStoppingPatience = Next() }; validate = true; break;
                case "--live-heap": liveHeap = true; break;
                case "--pipeline": pipeline = true; break;
                default: throw new ArgumentException($"Unknown argument '{args[index]}'. {Usage}");
            }
        }

        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(invariant,
            $"{Environment.ProcessorCount} cores, {RuntimeInformationText()}; server GC {System.Runtime.GCSettings.IsServerGC}"));
        var watch = Stopwatch.StartNew();
        // With validation, 10 % of each user's interactions are held out: generate a ninth more so that training still
        // gets the asked-for number.
        const double HeldOut = 0.1;
        var all = SyntheticInteractions.Create(validate ? (int)Math.Ceiling(interactions / (1 - HeldOut)) : interactions, users, songs, seed: seed);
        var split = validate ? InteractionSplitter.SplitPerUser(all, HeldOut, seed) : null;
        var data = split?.Train ?? all;
        var generated = watch.Elapsed;
        var activeUsers = Enumerable.Range(0, data.UserCount).Count(u => data.CountOf(u) > 0);
        var activeSongs = data.ItemCounts.ToArray().Count(c => c > 0);
        Console.WriteLine(string.Create(invariant,
            $"data: {data.Count:N0} interactions, {data.UserCount:N0} users ({activeUsers:N0} active), {data.ItemCount:N0} songs ({activeSongs:N0} used), generated in {generated.TotalSeconds:F1} s"));
        Console.WriteLine(string.Create(invariant,
            $"options: dim {options.LatentDimension}, {options.Epochs} epochs, {options.NegativesPerPositive} negatives/positive, lr {options.LearningRate}, exponent {options.NegativeSamplingExponent}, early-stopping patience {options.EarlyStoppingPatience}"));
        if (split is not null)
        {
            Console.WriteLine(string.Create(invariant,
                $"validation: {split.Test.Count:N0} held-out interactions (10 % per user); NDCG@10 of {Math.Min(options.ValidationUsers, split.Test.UserCount):N0} sampled users after each epoch"));
        }
        GC.Collect();
        var baseline = WorkingSet();

        var progress = new SyncProgress<TrainingProgress>(p => Console.WriteLine(string.Create(invariant,
            $"  epoch {p.Epoch}/{p.TotalEpochs}  {p.Elapsed.TotalSeconds:F1} s  working set {WorkingSet() / (double)(1 << 30):F2} GiB  GC heap {GC.GetGCMemoryInfo().HeapSizeBytes / (double)(1 << 30):F2} GiB{LiveHeap(liveHeap)}  load {LoadAverage()}{Ndcg(p.ValidationNdcg)}")));
        if (pipeline)
        {
            return RunPipeline(data, options, watch, invariant);
        }

        var result = new FfmTrainer().Train(data, options, progress: progress, validation: split?.Test);

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        var rows = (double)data.Count * (1 + options.NegativesPerPositive) * result.Epochs;
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("| --- | --- |");
        Console.WriteLine(string.Create(invariant, $"| interactions / users / songs | {data.Count:N0} / {data.UserCount:N0} / {data.ItemCount:N0} |"));
        Console.WriteLine(string.Create(invariant, $"| epochs run / model kept from epoch | {result.Epochs} / {result.BestEpoch} |"));
        if (result.ValidationNdcg.Count > 0)
        {
            Console.WriteLine(string.Create(invariant, $"| validation NDCG@10 per epoch | {string.Join(", ", result.ValidationNdcg.Select(n => n.ToString("F4", invariant)))} |"));
        }

        Console.WriteLine(string.Create(invariant, $"| training wall time | {result.Elapsed.TotalSeconds:F1} s ({result.Elapsed.TotalMinutes:F2} min) |"));
        Console.WriteLine(string.Create(invariant, $"| per example row (positives + negatives, all epochs) | {result.Elapsed.TotalMicroseconds / rows:F3} µs |"));
        Console.WriteLine(string.Create(invariant, $"| peak working set (process) | {process.PeakWorkingSet64 / (double)(1 << 30):F2} GiB |"));
        Console.WriteLine(string.Create(invariant, $"| working set before training (data loaded) | {baseline / (double)(1 << 30):F2} GiB |"));
        Console.WriteLine(string.Create(invariant, $"| GC: max heap size seen / total allocated | {GcPeak(gc) / (double)(1 << 30):F2} GiB / {GC.GetTotalAllocatedBytes() / (double)(1 << 30):F1} GiB |"));
        Console.WriteLine(string.Create(invariant, $"| GC collections gen0/1/2 | {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} |"));
        Console.WriteLine(string.Create(invariant, $"| total (generation + training) | {watch.Elapsed.TotalSeconds:F1} s |"));
        Console.WriteLine(string.Create(invariant, $"| load average at the end (1 min) | {LoadAverage()} |"));
        return 0;
    }

    /// <summary>With --pipeline: every stage of the product's training (<see cref="PipelineTrainer"/>), its stage times and peak memory.</summary>
    private static int RunPipeline(InteractionData data, FfmTrainingOptions options, Stopwatch watch, CultureInfo invariant)
    {
        var status = new SyncProgress<string>(line => Console.WriteLine(string.Create(invariant,
            $"  {line}  working set {WorkingSet() / (double)(1 << 30):F2} GiB  load {LoadAverage()}")));
        var started = watch.Elapsed;
        var result = new PipelineTrainer(new FfmTrainer(), TimeProvider.System)
            .Train(data, new PipelineTrainingOptions { Ffm = options with { EarlyStoppingPatience = Math.Max(options.EarlyStoppingPatience, 3) } }, status: status);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("| --- | --- |");
        Console.WriteLine(string.Create(invariant, $"| interactions / users / songs | {data.Count:N0} / {data.UserCount:N0} / {data.ItemCount:N0} |"));
        Console.WriteLine(string.Create(invariant, $"| mode, settings | {string.Join(", ", result.Parameters.Select(p => $"{p.Key} {p.Value}"))} |"));
        Console.WriteLine(string.Create(invariant, $"| stages | {string.Join(", ", result.Stages.Select(s => $"{s.Name} {s.TrainTime.TotalSeconds:F1} s"))} |"));
        Console.WriteLine(string.Create(invariant, $"| training wall time, all stages | {result.Elapsed.TotalSeconds:F1} s ({result.Elapsed.TotalMinutes:F2} min; generation excluded: {(watch.Elapsed - started).TotalSeconds:F1} s) |"));
        Console.WriteLine(string.Create(invariant, $"| peak working set (process) | {process.PeakWorkingSet64 / (double)(1 << 30):F2} GiB |"));
        Console.WriteLine(string.Create(invariant, $"| load average at the end (1 min) | {LoadAverage()} |"));
        return 0;
    }

    /// <summary>With --live-heap, what survives a full blocking collection: tells garbage not yet collected from memory still held.</summary>
    private static string LiveHeap(bool enabled) =>
        enabled ? string.Create(CultureInfo.InvariantCulture, $"  live {GC.GetTotalMemory(forceFullCollection: true) / (double)(1 << 30):F2} GiB") : "";

    private static string Ndcg(double? ndcg) =>
        ndcg is { } value ? string.Create(CultureInfo.InvariantCulture, $"  validation NDCG@10 {value:F4}") : "";

    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    /// <summary>The 1-minute load average (Linux), to tell a quiet machine from a shared one.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static long GcPeak(GCMemoryInfo info) => Math.Max(info.HeapSizeBytes, info.PromotedBytes + info.FragmentedBytes);

    private static string RuntimeInformationText() =>
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription + " " + System.Runtime.InteropServices.RuntimeInformation.OSDescription;

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
