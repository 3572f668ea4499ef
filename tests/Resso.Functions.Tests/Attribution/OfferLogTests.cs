using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.Attribution;

/// <summary>The offer log against Azurite: counts read back exactly, appends never doubled, nothing lost while storage is down.</summary>
public sealed class OfferLogTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly AttributionKeys Keys = new("s_1", "Aurora Records", "ID", "v_1", null, "ios", "trial-length", "t30");

    private static OfferCount Count(DateTimeOffset second, long count, string song = "s_1") => new(second, "free_trial", Keys with { SongId = song }, count);

    private static async Task<TestLog> NewLogAsync(string connectionString)
    {
        var names = new StorageNames(AzuriteFixture.UniqueName("ol"));
        // Few, quick retries: the outage test waits for them.
        var blobs = new BlobServiceClient(connectionString, new BlobClientOptions { Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(100) } });
        var container = blobs.GetBlobContainerClient(names.OfferLogContainer);
        await container.CreateIfNotExistsAsync();
        return new TestLog(new OfferLog(blobs, names), container);
    }

    private sealed record TestLog(OfferLog Log, BlobContainerClient Container) : IDisposable
    {
        public string BlobName => OfferLog.BlobName(Hour, Log.Instance);

        /// <summary>Appends to the instance's blob of <see cref="Hour"/> as if someone else did.</summary>
        public Task AppendBehindItsBackAsync(byte[] block) => Container.GetAppendBlobClient(BlobName).AppendBlockAsync(new MemoryStream(block));

        public void Dispose() => Log.Dispose();
    }

    // A log whose blob of Hour holds one offer.
    private async Task<TestLog> LogWithOneOfferAsync()
    {
        var test = await NewLogAsync(azurite.ConnectionString);
        await AppendAsync(test.Log, Count(Hour, 1));
        return test;
    }

    private static async Task AppendAsync(OfferLog log, params OfferCount[] counts)
    {
        foreach (var (hour, block, _) in OfferLog.Encode(counts))
        {
            await log.AppendAsync(hour, block);
        }
    }

    private static async Task<long> SumAsync(OfferLog log, DateTimeOffset from, DateTimeOffset to)
    {
        var sum = 0L;
        await foreach (var count in log.ReadAsync(from, to))
        {
            sum += count.Count;
        }

        return sum;
    }

    [Fact]
    public async Task Read_ReturnsTheSecondsAskedFor_AcrossHoursAndDays()
    {
        using var test = await NewLogAsync(azurite.ConnectionString);
        var log = test.Log;
        var lastSecondOfDay = new DateTimeOffset(2026, 11, 25, 23, 59, 59, TimeSpan.Zero);
        await AppendAsync(log, Count(Hour, 1), Count(Hour.AddSeconds(1), 2), Count(Hour.AddMinutes(59).AddSeconds(59), 4), Count(Hour.AddHours(1), 8), Count(lastSecondOfDay, 16), Count(lastSecondOfDay.AddSeconds(1), 32));

        Assert.Equal(63, await SumAsync(log, Hour, Hour.AddDays(2)));
        Assert.Equal(2 + 4, await SumAsync(log, Hour.AddSeconds(1), Hour.AddHours(1))); // from inclusive, to exclusive
        Assert.Equal(16 + 32, await SumAsync(log, lastSecondOfDay, lastSecondOfDay.AddSeconds(2)));
        Assert.Equal(0, await SumAsync(log, Hour.AddSeconds(2), Hour.AddMinutes(59)));
        var read = new List<OfferCount>();
        await foreach (var count in log.ReadAsync(Hour, Hour.AddSeconds(1)))
        {
            read.Add(count);
        }

        Assert.Equal([Count(Hour, 1)], read);
    }

    [Fact]
    public async Task Read_ThreeInstancesOverTenDays_YieldsEveryLineInBlobOrderAsReadOneByOne()
    {
        var names = new StorageNames(AzuriteFixture.UniqueName("ol"));
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        await blobs.GetBlobContainerClient(names.OfferLogContainer).CreateIfNotExistsAsync();
        using var first = new OfferLog(blobs, names);
        using var second = new OfferLog(blobs, names);
        using var third = new OfferLog(blobs, names);
        var written = new List<(string Blob, OfferCount Count)>();
        foreach (var (log, offset) in new[] { (first, 0), (second, 7), (third, 13) })
        {
            // Every 5 hours, a few seconds each, over 10 days: blobs on every day, several per hour.
            for (var hour = Hour.AddHours(-offset); hour < Hour.AddDays(10); hour = hour.AddHours(5))
            {
                var counts = Enumerable.Range(0, 3).Select(i => Count(hour.AddSeconds((offset * 60) + i), i + 1, song: $"s_{offset}_{i}")).ToArray();
                await AppendAsync(log, counts);
                written.AddRange(counts.Select(c => (OfferLog.BlobName(hour, log.Instance), c)));
            }
        }

        var from = Hour.AddDays(1).AddMinutes(30);
        var to = Hour.AddDays(8);
        var read = new List<OfferCount>();
        await foreach (var count in first.ReadAsync(from, to))
        {
            read.Add(count);
        }

        // Blob by blob in name order (day, hour, instance), each blob's lines as written.
        var expected = written.Where(w => w.Count.Second >= from && w.Count.Second < to).OrderBy(w => w.Blob, StringComparer.Ordinal).Select(w => w.Count).ToList();
        Assert.True(expected.Count > 100);
        Assert.Equal(expected, read);
    }

    [Fact]
    public async Task Read_LinesEndingInCarriageReturnAndALastLineWithoutNewline_AreCounted()
    {
        using var test = await LogWithOneOfferAsync();
        var (_, block, _) = OfferLog.Encode([Count(Hour.AddSeconds(1), 2)]).Single();
        var text = Encoding.UTF8.GetString(block).TrimEnd('\n');
        await test.AppendBehindItsBackAsync(Encoding.UTF8.GetBytes(text + "\r\n" + text.Replace(",2]", ",4]", StringComparison.Ordinal)));

        Assert.Equal(7, await SumAsync(test.Log, Hour, Hour.AddHours(1)));
    }

    [Fact]
    public async Task Append_RetriedAfterItLandedButItsAnswerWasLost_IsNotCountedTwice()
    {
        using var test = await LogWithOneOfferAsync();
        var log = test.Log;
        var (_, second, _) = OfferLog.Encode([Count(Hour, 2)]).Single();

        // The block reaches the blob, but the instance never hears so and tries again.
        await test.AppendBehindItsBackAsync(second);
        await log.AppendAsync(Hour, second);
        await AppendAsync(log, Count(Hour, 4));

        Assert.Equal(7, await SumAsync(log, Hour, Hour.AddHours(1)));
    }

    [Fact]
    public async Task Append_AfterTheBlobChangedUnderneath_ThrowsOnceThenAppendsAtItsEnd()
    {
        using var test = await LogWithOneOfferAsync();
        var log = test.Log;
        var (_, foreign, _) = OfferLog.Encode([Count(Hour, 10, song: "s_someone_else")]).Single();
        await test.AppendBehindItsBackAsync(foreign);
        var (_, mine, _) = OfferLog.Encode([Count(Hour, 2)]).Single();

        await Assert.ThrowsAsync<InvalidOperationException>(() => log.AppendAsync(Hour, mine));
        await log.AppendAsync(Hour, mine);

        Assert.Equal(13, await SumAsync(log, Hour, Hour.AddHours(1)));
    }

    [Fact]
    public async Task Read_ALineThatIsNotACount_FailsNamingTheBlobAndLine()
    {
        using var test = await LogWithOneOfferAsync();
        await test.AppendBehindItsBackAsync(Encoding.UTF8.GetBytes("[1795600800,\"free_trial\",\"s_1\",null,\"ID\",null,\"ios\",null,null,-1]\n"));

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => SumAsync(test.Log, Hour, Hour.AddHours(1)));

        Assert.Contains($"{test.BlobName}, line 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AnEncodedLine_RoundTripsAbsentFieldsAndAnyLabel()
    {
        var counts = new[]
        {
            Count(Hour, 3),
            new OfferCount(Hour.AddSeconds(5), "listen_free", new AttributionKeys("s_2", "", "FR", null, null, "web", null, null), 1),
            new OfferCount(Hour.AddSeconds(6), "subscribe", Keys with { Label = "Ça, \"Records\"\n\u2028 \U0001F3B5" }, long.MaxValue),
        };

        var lines = Encoding.UTF8.GetString(OfferLog.Encode(counts).Single().Block).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(3, lines.Length);
        Assert.Equal(counts, lines.Select(l => OfferLog.Parse(l)));
        Assert.StartsWith("[1795600805,\"listen_free\",\"s_2\",null,\"FR\",null,\"web\",null,null,1]", lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("[1795600800,\"free_trial\",\"s_1\",null,\"ID\",null,\"ios\",null,null,0]")] // no offers
    [InlineData("[1795600800,\"free_trial\",\"s_1\",null,\"ID\",null,\"ios\",null,null]")] // no count
    [InlineData("[1795600800,\"free_trial\",\"s_1\",null,\"ID\",null,\"ios\",null,null,1,2]")] // one too many
    [InlineData("[1795600800,\"free_trial\",null,null,\"ID\",null,\"ios\",null,null,1]")] // no song
    [InlineData("[\"1795600800\",\"free_trial\",\"s_1\",null,\"ID\",null,\"ios\",null,null,1]")] // second as text
    [InlineData("[-1,\"free_trial\",\"s_1\",null,\"ID\",null,\"ios\",null,null,1]")]
    [InlineData("[1795600800,\"free_trial\",\"s_1\",null,\"ID\",null,\"ios\",null,null,1] x")]
    [InlineData("[1795600800,\"free_trial\",\"s_1\",null,\"ID\",null,\"ios\",null,null,1")]
    public void Parse_NotAnOfferCount_IsNull(string line) => Assert.Null(OfferLog.Parse(line));

    [Fact]
    public void Encode_MoreThanABlockHolds_SplitsAtLinesIntoBlocksOfAtMostFourMegabytes()
    {
        var counts = Enumerable.Range(0, 40_000).Select(i => Count(Hour.AddSeconds(i % 3600), i + 1, song: $"s_{i:D6}_{new string('x', 50)}")).ToList();

        var blocks = OfferLog.Encode(counts).ToList();

        Assert.True(blocks.Count >= 2, $"{blocks.Count} block(s)");
        Assert.All(blocks, b => Assert.InRange(b.Block.Length, 1, OfferLog.MaxBlockBytes));
        Assert.All(blocks, b => Assert.Equal((byte)'\n', b.Block[^1]));
        var decoded = blocks.SelectMany(b => Encoding.UTF8.GetString(b.Block).Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(l => OfferLog.Parse(l)!).ToList();
        Assert.Equal(blocks.Sum(b => b.Lines), decoded.Count);
        Assert.Equal(counts.ToHashSet(), decoded.ToHashSet());
    }

    [Fact]
    public async Task Writer_StorageDownThenBack_KeepsTheCountsAndWritesEachOnce()
    {
        using var folder = new TempFolder();
        await using var storage = await AzuriteServer.StartAsync(folder.Path);
        using var test = await NewLogAsync(storage.ConnectionString);
        var log = test.Log;
        var names = new StorageNames("unused");
        var store = new AttributionStore(new TableServiceClient(storage.ConnectionString), names, Options.Create(new IngestionOptions()), TimeProvider.System);
        using var writer = new AnalyticsWriter(store, log, TimeProvider.System, NullLogger<AnalyticsWriter>.Instance);
        void Serve(int offers, DateTimeOffset at)
        {
            for (var i = 0; i < offers; i++)
            {
                writer.Record(new OfferRecord(store.NewId('o'), at.AddMilliseconds(i), i % 2 == 0 ? "free_trial" : "subscribe", Keys with { UserId = $"u_{i}" }));
            }
        }

        Serve(100, Hour);
        await writer.FlushAsync();
        await storage.StopForOutageAsync();
        Serve(50, Hour.AddMinutes(1));
        await writer.FlushAsync();
        Serve(25, Hour.AddMinutes(2));
        await writer.FlushAsync();
        Assert.Equal(4, writer.Pending); // two kinds in each of the two seconds served during the outage
        await storage.RestartAsync();
        await writer.FlushAsync();

        Assert.Equal(0, writer.Pending);
        var counts = new List<OfferCount>();
        await foreach (var count in log.ReadAsync(Hour, Hour.AddHours(1)))
        {
            counts.Add(count);
        }

        Assert.Equal(175, counts.Sum(c => c.Count));
        Assert.Equal(6, counts.Count);
        Assert.All(counts, c => Assert.Null(c.Keys.UserId));
        Assert.Equal(88, counts.Where(c => c.Kind == "free_trial").Sum(c => c.Count));
    }
}
