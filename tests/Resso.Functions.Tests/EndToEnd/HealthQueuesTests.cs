using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary><c>/api/health</c> shows the ingestion backlog: depth, oldest message, poison depth and processing lag of each queue.</summary>
public sealed class HealthQueuesTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Health_EventsWaitingThenDrainedThenOnePoisoned_ShowsDepthAgeLagAndPoison()
    {
        // An instance whose processor is stopped: it accepts events and nothing consumes them. (The
        // queue listeners run one per handler in IEnumerable<IQueueHandler>; an explicit registration
        // of the enumerable, which the container prefers to the handlers, leaves them none.)
        var prefix = AzuriteFixture.UniqueName("hq");
        var names = new StorageNames(prefix);
        await using var stopped = await SelfHostServer.StartAsync(azurite.ConnectionString, storagePrefix: prefix, services: s =>
            s.AddSingleton<IEnumerable<IQueueHandler>>([]));

        var empty = await HealthAsync(stopped, h => h.SongUsed.Depth == 0);
        Assert.Equal(names.SongUsedQueue, empty.SongUsed.Name);
        Assert.Equal(names.ModelRetrainQueue, empty.ModelRetrain.Name);
        Assert.Null(empty.SongUsed.OldestMessageAgeSeconds);
        Assert.Equal(0, empty.SongUsed.PoisonDepth);
        Assert.Null(empty.SongUsed.ProcessingLagSeconds);
        Assert.Null(empty.SongUsed.Error);

        // Three small batches: one message each.
        var (all, _) = Events.Stream(distinct: 30, duplicateRate: 0, seed: 41);
        foreach (var batch in all.Chunk(10))
        {
            using var response = await PostAsync(stopped, Batch(batch));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var waiting = await HealthAsync(stopped, h => h.SongUsed.Depth == 3);
        Assert.NotNull(waiting.SongUsed.OldestMessageAgeSeconds);
        Assert.InRange(waiting.SongUsed.OldestMessageAgeSeconds!.Value, 0, 60);
        Assert.Null(waiting.SongUsed.ProcessingLagSeconds);

        // A message being processed (fetched, invisible) still counts: depth 0 means all processed.
        var queue = Queue(azurite, names.SongUsedQueue);
        var leased = Assert.Single((await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1))).Value);
        await Task.Delay(QueueBacklogCacheFor);
        var oneLeased = await HealthAsync(stopped, h => true);
        Assert.Equal(3, oneLeased.SongUsed.Depth);
        await queue.UpdateMessageAsync(leased.MessageId, leased.PopReceipt, visibilityTimeout: TimeSpan.Zero);

        // A consuming instance drains the queue: depth 0 seen from both, and the consumer's lag.
        await using var consumer = await StartAsync(azurite, prefix: prefix);
        var drained = await HealthAsync(consumer, h => h.SongUsed.Depth == 0 && h.SongUsed.ProcessingLagSeconds is not null);
        Assert.Null(drained.SongUsed.OldestMessageAgeSeconds);
        Assert.InRange(drained.SongUsed.ProcessingLagSeconds!.Value, 0, 120);
        Assert.Equal(0, (await HealthAsync(stopped, h => h.SongUsed.Depth == 0)).SongUsed.Depth);
        Assert.Null((await HealthAsync(stopped, h => true)).SongUsed.ProcessingLagSeconds); // it processed nothing

        // A message that is not base64 goes to the poison queue.
        await new QueueClient(azurite.ConnectionString, names.SongUsedQueue).SendMessageAsync("not base64 {");
        var poisoned = await HealthAsync(consumer, h => h.SongUsed.PoisonDepth == 1 && h.SongUsed.Depth == 0);
        Assert.Equal(0, poisoned.ModelRetrain.PoisonDepth);
    }

    [Fact]
    public async Task Health_QueueDeleted_StaysHealthyAndTheQueueIsRecreated()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);
        var retrainQueue = new QueueClient(azurite.ConnectionString, new StorageNames(host.StoragePrefix).ModelRetrainQueue);
        await retrainQueue.DeleteAsync();

        // Health reads the queue, finds it missing, and the repair creates it again: health answers
        // 200 all along (at first perhaps with the 404 for that queue), then the queue's figures.
        var started = Stopwatch.StartNew();
        JsonElement retrain;
        do
        {
            await Task.Delay(QueueBacklogCacheFor);
            using var response = await host.Client.GetAsync(new Uri("/api/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var queues = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queues");
            Assert.Equal(JsonValueKind.Null, queues.GetProperty("songUsed").GetProperty("error").ValueKind);
            retrain = queues.GetProperty("modelRetrain");
        }
        while (retrain.GetProperty("depth").ValueKind == JsonValueKind.Null && started.Elapsed < TimeSpan.FromSeconds(30));

        Assert.Equal(JsonValueKind.Null, retrain.GetProperty("error").ValueKind);
        Assert.Equal(0, retrain.GetProperty("depth").GetInt32());
        Assert.True(await retrainQueue.ExistsAsync());
    }

    private static readonly TimeSpan QueueBacklogCacheFor = Resso.Functions.Core.Health.QueueBacklogProbe.CacheFor + TimeSpan.FromMilliseconds(200);

    private static async Task<Backlog> HealthAsync(SelfHostServer host, Func<Backlog, bool> until, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            using var response = await host.Client.GetAsync(new Uri("/api/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var queues = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queues");
            var backlog = new Backlog(Read(queues.GetProperty("songUsed")), Read(queues.GetProperty("modelRetrain")));
            if (until(backlog))
            {
                return backlog;
            }

            Assert.True(DateTime.UtcNow < deadline, $"health never showed the expected backlog; last: {backlog}");
            await Task.Delay(250);
        }

        static QueueFigures Read(JsonElement queue) => new(
            queue.GetProperty("name").GetString()!,
            Count(queue.GetProperty("depth")),
            Number(queue.GetProperty("oldestMessageAgeSeconds")),
            Count(queue.GetProperty("poisonDepth")),
            Number(queue.GetProperty("processingLagSeconds")),
            queue.GetProperty("error").GetString());

        static double? Number(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetDouble();

        static long? Count(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetInt64();
    }

    private sealed record Backlog(QueueFigures SongUsed, QueueFigures ModelRetrain);

    private sealed record QueueFigures(string Name, long? Depth, double? OldestMessageAgeSeconds, long? PoisonDepth, double? ProcessingLagSeconds, string? Error);
}
