using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.Attribution;

/// <summary>Reading a period's follows back from the clicks table against Azurite: every day's shards, nothing else.</summary>
public sealed class ClickReadTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly AttributionKeys Keys = new("s_1", "Aurora Records", "ID", "v_1", "u_1", "ios", null, null);

    [Fact]
    public async Task ReadClicks_ThreeWeeksOfFollows_ReturnsThoseOfThePeriodInDayShardAndIdOrder()
    {
        var names = new StorageNames(AzuriteFixture.UniqueName("cr"));
        var clicksTable = new TableClient(azurite.ConnectionString, names.ClicksTable);
        await clicksTable.CreateIfNotExistsAsync();
        var time = new FakeTimeProvider(Start);
        var store = new AttributionStore(new TableServiceClient(azurite.ConnectionString), names, Options.Create(new IngestionOptions()), time);
        using var offerLog = new OfferLog(new BlobServiceClient(azurite.ConnectionString), names);
        using var writer = new AnalyticsWriter(store, offerLog, time, NullLogger<AnalyticsWriter>.Instance);

        // Six follows a day for 23 days, at 00:00, 04:00, … 20:00; every third a repeat of the one before.
        var written = new List<ClickRecord>();
        for (var at = Start; at < Start.AddDays(23); at = at.AddHours(4))
        {
            time.SetUtcNow(at);
            var click = new ClickRecord(store.NewId('k'), at, store.NewId('o'), "app", 0, Keys with { UserId = $"u_{written.Count}" });
            var follow = written.Count % 3 == 2 ? click with { RepeatOf = written[^1].ClickId } : click;
            writer.Record(follow);
            written.Add(follow);
            if (follow.IsClick)
            {
                // A device's follow row (d|{offer}) lives in the same table.
                await store.RegisterFollowAsync(follow.OfferId, "device", null, follow.ClickId, null, TimeSpan.FromHours(1));
            }
        }

        await writer.FlushAsync();

        // From mid-morning of day 2 to the very start of day 20: 18 days, across week boundaries.
        var from = Start.AddDays(2).AddHours(10);
        var to = Start.AddDays(20);
        var read = new List<ClickRecord>();
        await foreach (var follow in store.ReadClicksAsync(from, to))
        {
            read.Add(follow);
        }

        var expected = written.Where(c => c.ClickedAt >= from && c.ClickedAt < to)
            .OrderBy(c => AttributionStore.PartitionOf(c.ClickId), StringComparer.Ordinal).ThenBy(c => c.ClickId, StringComparer.Ordinal).ToList();
        Assert.Equal((18 * 6) - 3, expected.Count);
        Assert.Equal(expected.Select(c => c.ClickId), read.Select(c => c.ClickId));
        Assert.Equal(expected.Select(c => (c.ClickedAt, c.OfferId, c.RepeatOf, c.Keys)), read.Select(c => (c.ClickedAt, c.OfferId, c.RepeatOf, c.Keys)));
    }
}
