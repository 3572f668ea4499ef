using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Resso.Ml.Model;
using Resso.Ml.Scoring;
using Resso.Ml.Serving;
using Resso.Ml.Store;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// <c>serving-memory</c>: what a loaded serving model costs one instance, with the item factors in arrays
/// (<c>--arrays</c>) or memory-mapped (the default): managed heap, private (anonymous) and file-backed resident memory,
/// and the mapped item-factor pages a workload of recommendations and similar-song queries actually touches. Run once
/// per mode, each in its own process, so that neither inherits the other's memory.
/// </summary>
internal static partial class ServingMemory
{
    public const string Usage = "usage: Resso.Ml.Benchmarks serving-memory [--songs 1000000] [--users 20000] [--dim 128] [--queries 2000] [--arrays] [--seed 7]";

    private const double MiB = 1 << 20;

    public static int Run(IReadOnlyList<string> args)
    {
        var songs = 1_000_000;
        var users = 20_000;
        var d = 128;
        var queries = 2_000;
        var seed = 7;
        var arrays = false;
        for (var index = 1; index < args.Count; index++)
        {
            int Next() => index + 1 < args.Count && int.TryParse(args[++index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new ArgumentException($"{args[index - 1]} needs a positive integer.");
            switch (args[index])
            {
                case "--songs": songs = Next(); break;
                case "--users": users = Next(); break;
                case "--dim": d = Next(); break;
                case "--queries": queries = Next(); break;
                case "--seed": seed = Next(); break;
                case "--arrays": arrays = true; break;
                default: throw new ArgumentException($"Unknown argument '{args[index]}'. {Usage}");
            }
        }

        var invariant = CultureInfo.InvariantCulture;
        var path = Path.Combine(Path.GetTempPath(), $"resso-serving-memory-{songs}x{d}-{users}-{seed}.bin");
        if (!File.Exists(path))
        {
            WriteRandomModel(path, users, songs, d, seed);
        }

        Console.WriteLine(string.Create(invariant,
            $"{songs:N0} songs × {d}, {users:N0} users, item factors {(arrays ? "in arrays" : "memory-mapped")}; file {new FileInfo(path).Length / MiB:F0} MiB; AVX-512 8-bit pass: {QuantizedItemFactors.IsSupported}; load {LoadAverage()}"));
        var before = Measure(path);
        Print("before loading", before);

        var watch = Stopwatch.StartNew();
        var factors = arrays ? FactorModelSerializer.LoadAsync(path).GetAwaiter().GetResult() : FactorModelSerializer.LoadMapped(path);
        var model = new ServingModel(Manifest(), factors, new Dictionary<string, IReadOnlyList<string>>(), TimeProvider.System.GetUtcNow());
        _ = TopKScorer.SimilarItems(factors, 0, 1); // the norms, as the first similar-songs call computes them
        var loadSeconds = watch.Elapsed.TotalSeconds;
        var loaded = Measure(path);
        Print(string.Create(invariant, $"loaded ({loadSeconds:F1} s)"), loaded);

        var random = new Random(seed);
        if (!arrays)
        {
            // Under memory pressure the OS reclaims clean mapped pages; dropping them (they stay in the page cache) shows
            // what requests need back: the rows the exact re-score reads, one page each at this size.
            DropResidentPages(factors);
            Print("mapped item pages dropped", Measure(path));
            _ = Workload(factors, 100, random, similar: false);
            Print("after 100 recommendations", Measure(path));
            DropResidentPages(factors);
            _ = Workload(factors, 100, random, similar: true);
            Print("after 100 similar-songs queries (dropped before)", Measure(path));
            DropResidentPages(factors);
            var coldRecommend = Workload(factors, queries, random, similar: false);
            var coldSimilar = Workload(factors, queries, random, similar: true);
            Print(string.Create(invariant, $"after {queries:N0} of each (dropped before)"), Measure(path));
            Console.WriteLine(string.Create(invariant,
                $"latency from dropped pages (minor faults): recommend top 100 {coldRecommend:F1} µs, similar top 80 {coldSimilar:F1} µs"));

            // Each query's re-scored rows dropped just before it: every row read is a page fault.
            double recommendFaulting = 0, similarFaulting = 0;
            for (var q = 0; q < 200; q++)
            {
                DropResidentPages(factors);
                recommendFaulting += Workload(factors, 1, random, similar: false) / 200;
                DropResidentPages(factors);
                similarFaulting += Workload(factors, 1, random, similar: true) / 200;
            }

            Console.WriteLine(string.Create(invariant,
                $"latency, every page dropped before each query: recommend top 100 {recommendFaulting:F1} µs, similar top 80 {similarFaulting:F1} µs"));
        }

        var warmRecommend = Workload(factors, queries, random, similar: false);
        var warmSimilar = Workload(factors, queries, random, similar: true);
        Print(string.Create(invariant, $"after {queries:N0} of each, resident"), Measure(path));
        Console.WriteLine(string.Create(invariant,
            $"latency, pages resident: recommend top 100 {warmRecommend:F1} µs, similar top 80 {warmSimilar:F1} µs (Stopwatch, one pass: see MappedFactorsBenchmarks for the BenchmarkDotNet comparison)"));
        if (QuantizedItemFactors.Applies(factors))
        {
            long recommendRows = 0, similarRows = 0;
            for (var q = 0; q < queries; q++)
            {
                var user = random.Next(factors.UserCount);
                _ = factors.QuantizedItems.Recommend(factors, factors.UserVector(user), 100, null, null, null, factors.UserBiases[user], out var rows);
                recommendRows += rows;
                _ = factors.QuantizedItems.SimilarItems(factors, random.Next(factors.ItemCount), 80, null, null, out rows);
                similarRows += rows + 1; // and the query song's own row
            }

            Console.WriteLine(string.Create(invariant,
                $"float rows read per query (exact re-score): recommend top 100 {recommendRows / (double)queries:F0}, similar top 80 {similarRows / (double)queries:F0}"));
        }

        Console.WriteLine(string.Create(invariant,
            $"managed heap per song {(loaded.ManagedBytes - before.ManagedBytes) / (double)songs:F0} B (users' share included: {users:N0} × {4 * (d + 1)} B)"));
        GC.KeepAlive(model);
        return 0;
    }

    private static double Workload(FactorModel factors, int queries, Random random, bool similar)
    {
        var watch = Stopwatch.StartNew();
        for (var q = 0; q < queries; q++)
        {
            _ = similar
                ? TopKScorer.SimilarItems(factors, random.Next(factors.ItemCount), 80)
                : TopKScorer.RecommendForUser(factors, random.Next(factors.UserCount), 100);
        }

        return watch.Elapsed.TotalMicroseconds / queries;
    }

    private readonly record struct Snapshot(long ManagedBytes, long CommittedBytes, long WorkingSet, long RssAnon, long RssFile, long MappedModel);

    private static Snapshot Measure(string path)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        var committed = GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes;
        using var process = Process.GetCurrentProcess();
        var status = File.Exists("/proc/self/status") ? File.ReadAllLines("/proc/self/status") : [];
        return new Snapshot(managed, committed, process.WorkingSet64, StatusKb(status, "RssAnon:"), StatusKb(status, "RssFile:"), MappedRss(path));
    }

    private static void Print(string when, Snapshot s) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {when} | managed heap {s.ManagedBytes / MiB:F1} MiB (GC committed {s.CommittedBytes / MiB:F1}) | working set {s.WorkingSet / MiB:F1} MiB | private (RssAnon) {s.RssAnon / MiB:F1} MiB | file-backed (RssFile) {s.RssFile / MiB:F1} MiB | of it the model file {s.MappedModel / MiB:F1} MiB |"));

    private static long StatusKb(string[] lines, string key) =>
        lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal)) is { } line
            ? 1024 * long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)
            : 0;

    // Resident bytes of the mappings of the model file (/proc/self/smaps): the mapped item-factor pages in memory.
    private static long MappedRss(string path)
    {
        if (!File.Exists("/proc/self/smaps"))
        {
            return 0;
        }

        long total = 0;
        var inFile = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            // A mapping's header is "start-end perms offset dev inode [path]"; its fields ("Rss:   123 kB") follow it.
            if (!line.Split(' ', 2)[0].EndsWith(':'))
            {
                inFile = line.EndsWith(path, StringComparison.Ordinal);
            }
            else if (inFile && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += 1024 * long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    // madvise(MADV_DONTNEED) over the mapped item factors: their pages leave this process's resident set (they stay in
    // the page cache), as when the OS reclaims them, so that what comes back is what the workload touches.
    private static unsafe void DropResidentPages(FactorModel factors)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var span = factors.ItemFactors;
        var start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
        var page = Environment.SystemPageSize;
        var aligned = start & ~(nint)(page - 1);
        var length = (nuint)(start - aligned + ((nint)span.Length * sizeof(float)));
        const int MadvDontNeed = 4;
        if (Madvise(aligned, length, MadvDontNeed) != 0)
        {
            throw new InvalidOperationException($"madvise failed: errno {Marshal.GetLastPInvokeError()}");
        }

        GC.KeepAlive(factors);
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);

    // Writes a random model in FactorModelSerializer's layout, streaming, so that generating it leaves nothing on the heap.
    private static void WriteRandomModel(string path, int users, int songs, int d, int seed)
    {
        var random = new Random(seed);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var file = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            void Write(ReadOnlySpan<byte> bytes)
            {
                hash.AppendData(bytes);
                file.Write(bytes);
            }

            Span<byte> header = stackalloc byte[20];
            "RSFM"u8.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], FactorModelSerializer.FormatVersion);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], d);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], users);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], songs);
            Write(header);
            var buffer = new float[1 << 16];
            void Floats(long count, float scale)
            {
                for (long done = 0; done < count; done += buffer.Length)
                {
                    var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, count - done));
                    for (var k = 0; k < chunk.Length; k++)
                    {
                        chunk[k] = (random.NextSingle() - 0.5f) * scale;
                    }

                    Write(MemoryMarshal.AsBytes(chunk));
                }
            }

            Floats((long)users * d, 0.6f);
            Floats((long)songs * d, 0.6f);
            Floats(users, 0.6f);
            Floats(songs, 0.6f);
            Span<byte> length = stackalloc byte[4];
            foreach (var id in Enumerable.Range(0, users).Select(u => "u_" + u.ToString("D7", CultureInfo.InvariantCulture))
                .Concat(Enumerable.Range(0, songs).Select(s => "s_" + s.ToString("D7", CultureInfo.InvariantCulture))))
            {
                var bytes = Encoding.UTF8.GetBytes(id);
                BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
                Write(length);
                Write(bytes);
            }

            file.Write(hash.GetHashAndReset());
        }

        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static ModelManifest Manifest() =>
        new("bench", TimeProvider.System.GetUtcNow(), new DataWindow(0, 0, 0, 0, null, null), new Dictionary<string, string>(), false, 0,
            new ModelMetrics(10, 0, 0, 0, 0, 0, 0), new PublishDecision(true, 0, null, null, 0, "bench"), "", "bench");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
