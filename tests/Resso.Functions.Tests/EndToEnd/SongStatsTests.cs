using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>Hourly song statistics against a real Azurite: every counted event in them once, however many songs a message holds.</summary>
public sealed class SongStatsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task PostEvents_FiveHundredCreatesOfLongSongIdsInOneRegionAndHour_CountsEveryStatisticOnceAndARedeliveryChangesNothing()
    {
        await using var host = await StartAsync(azurite);
        var names = new StorageNames(host.StoragePrefix);
        var hour = SongStatsStore.Hour(DateTimeOffset.UtcNow.AddHours(-2));
        var events = Enumerable.Range(0, 500)
            .Select(i => Events.Valid(
                userId: $"u_{i % 37}",
                songId: $"s_{i:D4}_{new string('x', 40)}",
                action: SongAction.Create,
                region: "ID",
                occurredAt: hour.AddSeconds(i),
                segment: new Segment(i % 12 * 5_000, i % 12 * 5_000 + 15_000)))
            .ToList();

        using (var response = await PostAsync(host, Batch(events)))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("messages").GetInt32());
        }

        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), events.Count);
        await AssertCountedExactlyOnceAsync(azurite, names, host, events);
        var rows = await ReadStatsRowsAsync(names);

        // The same message delivered again, as after a crash before it was deleted: its id, hour and events
        // (in reverse order: which events a delivery counted is a set, and its order is not promised).
        var logged = await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(names.EventLogContainer)
            .GetBlobsAsync(cancellationToken: TestContext.Current.CancellationToken).SingleAsync(TestContext.Current.CancellationToken);
        var slash = logged.Name.LastIndexOf('/');
        var messageId = logged.Name[(slash + 1)..^".jsonl".Length];
        var enqueuedAt = DateTimeOffset.ParseExact(logged.Name[..slash], "yyyy/MM/dd/HH", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var again = await host.Get<SongUsedProcessor>().ProcessAsync(messageId, enqueuedAt, EventPacker.PackCompressed(Enumerable.Reverse(events)).Single(), TestContext.Current.CancellationToken);

        Assert.Equal((500, 500, 0), (again.Valid, again.Counted, again.Duplicates));
        Assert.Equal(rows, await ReadStatsRowsAsync(names));
        await AssertCountedExactlyOnceAsync(azurite, names, host, events);
        Assert.Equal(500, await CreatesAsync(host, hour, "ID"));
    }

    [Fact]
    public async Task ReadStats_SingleRowOfAMessageCountedBeforePartsAndANewMessage_SumsBothAndARewriteDoesNotAdd()
    {
        await using var host = await StartAsync(azurite);
        var names = new StorageNames(host.StoragePrefix);
        var stats = host.Get<SongStatsStore>();
        var hour = SongStatsStore.Hour(DateTimeOffset.UtcNow.AddHours(-3));
        var table = new TableClient(azurite.ConnectionString, names.SongStatsTable);

        // A row as statistics were written before messages were split into parts: one row per message, region and hour.
        var shard = (int)(TableKeys.StableHash("m_legacy") % (uint)new IngestionOptions().StatsShards);
        var legacy = new TableEntity(TableKeys.SongStatsPartition(shard, hour), string.Create(CultureInfo.InvariantCulture, $"ID|{hour.UtcDateTime:yyyyMMddHH}|m_legacy"))
        {
            ["Region"] = "ID",
            ["Hour"] = hour,
            ["Events"] = 3,
            ["Weight"] = 15.0,
            ["Songs"] = """{"s_old":[2,10,2,0,0,0,0,"30000-45000:2"],"s_both":[1,5,1,0,0,0,0,""]}""",
        };
        await table.AddEntityAsync(legacy, TestContext.Current.CancellationToken);
        var fresh = Enumerable.Range(0, 600)
            .Select(i => Events.Valid(songId: i == 0 ? "s_both" : $"s_{i:D4}_{new string('y', 50)}", action: SongAction.Create, region: "ID", occurredAt: hour.AddSeconds(i)))
            .ToList();
        await stats.WriteAsync("m_fresh", fresh, TestContext.Current.CancellationToken);

        var sums = await ReadCreatesAsync(stats, hour);
        Assert.Equal(2, sums["s_old"]);
        Assert.Equal(2, sums["s_both"]);
        Assert.Equal(601, sums.Count);
        Assert.Equal(603, sums.Values.Sum());

        // The old message delivered again after an upgrade: its songs rewritten, not added a second time.
        var redelivered = new[]
        {
            Events.Valid(userId: "u_1", songId: "s_old", action: SongAction.Create, region: "ID", occurredAt: hour.AddMinutes(1)),
            Events.Valid(userId: "u_2", songId: "s_old", action: SongAction.Create, region: "ID", occurredAt: hour.AddMinutes(2)),
            Events.Valid(userId: "u_3", songId: "s_both", action: SongAction.Create, region: "ID", occurredAt: hour.AddMinutes(3)),
        };
        await stats.WriteAsync("m_legacy", redelivered, TestContext.Current.CancellationToken);

        var after = await ReadCreatesAsync(stats, hour);
        Assert.Equal(sums.OrderBy(p => p.Key, StringComparer.Ordinal), after.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReadStats_MessagesOverTenDaysInEveryShard_SumsEachSongRegionAndHourOfThePeriodOnce()
    {
        var names = new StorageNames(AzuriteFixture.UniqueName("ss"));
        await new TableClient(azurite.ConnectionString, names.SongStatsTable).CreateIfNotExistsAsync(TestContext.Current.CancellationToken);
        var stats = new SongStatsStore(new TableServiceClient(azurite.ConnectionString), names, Microsoft.Extensions.Options.Options.Create(new IngestionOptions()));
        var start = new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);

        // 60 messages (spread over the 8 shards by id), each with events every 7 hours over 10 days, in two regions.
        var written = new List<SongUsedEvent>();
        for (var message = 0; message < 60; message++)
        {
            var events = Enumerable.Range(0, 35)
                .Select(i => Events.Valid(userId: $"u_{message}_{i}", songId: $"s_{(message + i) % 7}", action: SongAction.Create, region: i % 3 == 0 ? "VN" : "ID", occurredAt: start.AddHours((i * 7) + (message % 7)).AddMinutes(message)))
                .ToList();
            await stats.WriteAsync($"m_{message}", events, TestContext.Current.CancellationToken);
            written.AddRange(events);
        }

        var from = start.AddDays(2).AddHours(5).AddMinutes(30);
        var to = start.AddDays(9);
        foreach (var region in new[] { null, "VN" })
        {
            var read = new Dictionary<(string, string, DateTimeOffset), long>();
            await foreach (var stat in stats.ReadAsync(from, to, region, TestContext.Current.CancellationToken))
            {
                Assert.True(read.TryAdd((stat.SongId, stat.Region, stat.Hour), stat.Creates));
            }

            var expected = written.Where(e => e.OccurredAt >= SongStatsStore.Hour(from) && e.OccurredAt < to && (region is null || e.Region == region))
                .GroupBy(e => (e.SongId, e.Region, SongStatsStore.Hour(e.OccurredAt))).ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.NotEmpty(expected);
            Assert.Equal(expected.OrderBy(p => p.Key), read.OrderBy(p => p.Key));
        }
    }

    private async Task<List<string>> ReadStatsRowsAsync(StorageNames names)
    {
        var table = new TableClient(azurite.ConnectionString, names.SongStatsTable);
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(cancellationToken: TestContext.Current.CancellationToken))
        {
            rows.Add($"{row.PartitionKey}/{row.RowKey}: {row.GetInt32("Events")} {row.GetDouble("Weight")} {row.GetString("Songs")}");
        }

        return rows;
    }

    private static async Task<long> CreatesAsync(SelfHostServer host, DateTimeOffset hour, string region)
    {
        long creates = 0;
        await foreach (var stat in host.Get<SongStatsStore>().ReadAsync(hour, hour.AddHours(1), region, TestContext.Current.CancellationToken))
        {
            creates += stat.Creates;
        }

        return creates;
    }

    private static async Task<Dictionary<string, long>> ReadCreatesAsync(SongStatsStore stats, DateTimeOffset hour)
    {
        var sums = new Dictionary<string, long>();
        await foreach (var stat in stats.ReadAsync(hour, hour.AddHours(1), "ID", TestContext.Current.CancellationToken))
        {
            sums[stat.SongId] = stat.Creates;
        }

        return sums;
    }
}
