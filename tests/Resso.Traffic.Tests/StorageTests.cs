using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Resso.Shared.Events;
using Resso.Shared.Storage;
using Resso.Traffic.Generation;
using Resso.Traffic.Storage;

namespace Resso.Traffic.Tests;

/// <summary>The queue target and the emptiness check against a real Azurite.</summary>
public sealed class StorageTests(Azurite azurite) : IClassFixture<Azurite>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_QueueTarget_EnqueuesPackedBase64MessagesTheAppReads()
    {
        var prefix = Azurite.UniquePrefix();
        var clock = Builders.Clock();

        var run = await Run.CommandAsync(
            ["--target", "queue", "--connection", azurite.ConnectionString, "--prefix", prefix, "--events", "1500", "--no-progress"], clock);

        Assert.Equal(0, run.ExitCode);
        // Read the way the app does: its queue options decode base64.
        var queue = StorageConnection.FromConnectionString(azurite.ConnectionString)
            .CreateQueueServiceClient(StorageServiceCollectionExtensions.ConfigureQueues(new QueueClientOptions()))
            .GetQueueClient(new StorageNames(prefix).SongUsedQueue);
        var received = new List<SongUsedEvent>();
        var messages = 0;
        while (true)
        {
            var page = (await queue.ReceiveMessagesAsync(maxMessages: 32, cancellationToken: Cancellation)).Value;
            if (page.Length == 0)
            {
                break;
            }

            foreach (var message in page)
            {
                messages++;
                received.AddRange(JsonSerializer.Deserialize(message.Body, EventJsonContext.Default.SongUsedBatch)!.Events);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, Cancellation);
            }
        }

        var expected = new TrafficGenerator(new TrafficOptions { Events = 1_500 }, clock).Generate().Select(e => e.Event);
        Assert.Equal(expected.OrderBy(e => e.EventId, StringComparer.Ordinal), received.OrderBy(e => e.EventId, StringComparer.Ordinal));
        Assert.Contains($"messages sent       {messages}", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsEmptyAsync_NoTable_IsEmpty()
    {
        var probe = InteractionsTableProbe.Create(azurite.ConnectionString, Azurite.UniquePrefix());

        Assert.True(await probe.IsEmptyAsync(Cancellation));
    }

    [Fact]
    public async Task IsEmptyAsync_TableWithoutEntities_IsEmpty()
    {
        var prefix = Azurite.UniquePrefix();
        await Table(prefix).CreateIfNotExistsAsync(Cancellation);

        Assert.True(await InteractionsTableProbe.Create(azurite.ConnectionString, prefix).IsEmptyAsync(Cancellation));
    }

    [Fact]
    public async Task IsEmptyAsync_TableWithAnEntity_IsNotEmpty()
    {
        var prefix = Azurite.UniquePrefix();
        var table = Table(prefix);
        await table.CreateIfNotExistsAsync(Cancellation);
        await table.AddEntityAsync(new TableEntity("p00", "i|u_000001|s_000001"), Cancellation);

        Assert.False(await InteractionsTableProbe.Create(azurite.ConnectionString, prefix).IsEmptyAsync(Cancellation));
    }

    private TableClient Table(string prefix) =>
        new TableServiceClient(azurite.ConnectionString).GetTableClient(new StorageNames(prefix).InteractionsTable);
}
