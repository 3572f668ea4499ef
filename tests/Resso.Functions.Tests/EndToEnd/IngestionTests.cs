using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>Events over real HTTP into the self-host, through the real queue, into Azurite: each counted exactly once.</summary>
public sealed class IngestionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Ingestion_DuplicatesRetriedBatchesAndRedeliveredMessages_CountEachDistinctEventOnce()
    {
        // The first three interaction transactions take effect but "crash" before the processor hears back,
        // so those messages are delivered again with the same message id.
        var batches = 0;
        var faults = new StorageFaults
        {
            Armed = true,
            FailAfter = (_, path, _) => path.EndsWith("/$batch", StringComparison.Ordinal) && Interlocked.Increment(ref batches) is 4 or 8 or 12,
        };
        await using var host = await StartAsync(azurite, faults);
        var names = new StorageNames(host.StoragePrefix);
        var (all, distinct) = Events.Stream(distinct: 600, duplicateRate: 0.10);

        foreach (var batch in all.Chunk(100))
        {
            using var response = await PostAsync(host, Batch(batch));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        // A client that timed out and retried a whole batch, and a producer that enqueued copies of messages itself.
        using (var retried = await PostAsync(host, Batch(all.Take(100))))
        {
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        }

        var queue = Queue(azurite, names.SongUsedQueue);
        foreach (var message in EventPacker.Pack(all.Skip(200).Take(150)))
        {
            await queue.SendMessageAsync(message);
        }

        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), distinct.Count);
        await AssertCountedExactlyOnceAsync(azurite, names, host, distinct);
        Assert.True(faults.Injected >= 1, "no fault was injected; the test proved less than it claims");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(13)]
    public async Task Processor_KilledBetweenStorageCalls_CountsTheSameAfterRestart(int failAtWrite)
    {
        // The failAtWrite-th storage write of the processor takes effect, then the process "dies":
        // the host is stopped at once and a new one takes over the same storage.
        var faults = new StorageFaults();
        var (all, distinct) = Events.Stream(distinct: 120, duplicateRate: 0.10, seed: failAtWrite);
        var prefix = AzuriteFixture.UniqueName("k");
        var names = new StorageNames(prefix);
        var died = new TaskCompletionSource();
        faults.FailAfter = (_, _, n) => n == failAtWrite && died.TrySetResult();
        await using (var first = await StartAsync(azurite, faults, prefix))
        {
            faults.Armed = true;
            var queue = Queue(azurite, names.SongUsedQueue);
            foreach (var message in EventPacker.Pack(all))
            {
                await queue.SendMessageAsync(message);
            }

            await died.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        await using var second = await StartAsync(azurite, prefix: prefix);
        await WaitUntilCountedAsync(azurite, names, second.Get<InteractionStore>(), distinct.Count);
        await AssertCountedExactlyOnceAsync(azurite, names, second, distinct);
    }

    [Fact]
    public async Task DirectEnqueue_OneMalformedEventInABatch_CountsTheGoodOnesAndPoisonsTheBadWithItsReason()
    {
        await using var host = await StartAsync(azurite);
        var names = new StorageNames(host.StoragePrefix);
        var good = new[] { Events.Valid(userId: "u_a"), Events.Valid(userId: "u_b"), Events.Valid(userId: "u_c") };
        var goodJson = good.Select(e => JsonSerializer.Serialize(e, EventJsonContext.Default.SongUsedEvent));
        const string Bad = """{"eventId":"e_bad","userId":"bad/user","songId":"s_1","videoId":"v_1","action":"dance","region":"ID","occurredAt":"2026-11-24T08:00:00Z"}""";
        await Queue(azurite, names.SongUsedQueue).SendMessageAsync($$"""{"events":[{{string.Join(',', goodJson.Take(2))}},{{Bad}},{{goodJson.Last()}}]}""");

        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), 3);

        await AssertCountedExactlyOnceAsync(azurite, names, host, good);
        var poisoned = Assert.Single(await ReadPoisonAsync(azurite, names, host, 1));
        Assert.Equal(("invalid event", names.SongUsedQueue, 2), (poisoned.Reason, poisoned.SourceQueue, poisoned.Index));
        Assert.True(poisoned.Errors?.ContainsKey("userId"));
        Assert.True(poisoned.Errors?.ContainsKey("action"));
        Assert.Equal(Bad, poisoned.Body.ToString());
    }

    [Fact]
    public async Task DirectEnqueue_UserIdEndingInNewline_CountsTheOthersExactlyOnceAndPoisonsThatOne()
    {
        await using var host = await StartAsync(azurite);
        var names = new StorageNames(host.StoragePrefix);
        var good = Enumerable.Range(0, 200).Select(i => Events.Valid(userId: $"u_{i % 40}", songId: $"s_{i % 7}")).ToList();
        var bad = Events.Valid(userId: "u_x\n");
        foreach (var message in EventPacker.Pack([.. good, bad]))
        {
            await Queue(azurite, names.SongUsedQueue).SendMessageAsync(message);
        }

        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), good.Count);

        await AssertCountedExactlyOnceAsync(azurite, names, host, good);
        var poisoned = Assert.Single(await ReadPoisonAsync(azurite, names, host, 1));
        Assert.Equal(("invalid event", good.Count), (poisoned.Reason, poisoned.Index));
        Assert.Equal(["userId"], poisoned.Errors!.Keys);
        Assert.Equal(bad.EventId, JsonDocument.Parse(poisoned.Body.ToString()).RootElement.GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task DirectEnqueue_NotJson_GoesToPoisonWholeWithItsReason()
    {
        await using var host = await StartAsync(azurite);
        var names = new StorageNames(host.StoragePrefix);
        await Queue(azurite, names.SongUsedQueue).SendMessageAsync("{\"events\": [ not json");

        var poisoned = Assert.Single(await ReadPoisonAsync(azurite, names, host, 1));
        Assert.StartsWith("not valid JSON", poisoned.Reason, StringComparison.Ordinal);
        Assert.Equal("{\"events\": [ not json", poisoned.Body.ToString());
        Assert.Equal(PoisonEnvelope.Identity, poisoned.BodyEncoding);
        Assert.Equal(0, await host.Get<InteractionStore>().CountEventsAsync());
    }

    [Fact]
    public async Task DirectEnqueue_GzipBatchOfTooManyEvents_GoesToPoisonWholeWithItsExactCompressedBytes()
    {
        await using var host = await StartAsync(azurite);
        var names = new StorageNames(host.StoragePrefix);
        var json = BatchJson(Enumerable.Range(0, 501).Select(i => Json(Events.Valid(userId: $"u_{i % 20}", songId: $"s_{i % 30}"))));
        var body = Gzip(json);
        await Queue(azurite, names.SongUsedQueue).SendMessageAsync(new BinaryData(body));

        var poisoned = Assert.Single(await ReadPoisonAsync(azurite, names, host, 1));

        Assert.Equal("not an event or an events batch", poisoned.Reason);
        Assert.True(poisoned.Errors?.ContainsKey("events"));
        Assert.Equal(PoisonEnvelope.Gzip, poisoned.BodyEncoding);
        Assert.Equal(body, poisoned.Body.ToArray());
        Assert.Equal(json, Gunzip(poisoned.Body.ToArray()));
        Assert.Equal(0, await host.Get<InteractionStore>().CountEventsAsync());
    }

    [Fact]
    public async Task DirectEnqueue_GzipBatchWithOneEventTooLargeForAPoisonMessage_CountsTheOthersAndKeepsTheBadOneWithItsReason()
    {
        await using var host = await StartAsync(azurite);
        var names = new StorageNames(host.StoragePrefix);
        var good = Enumerable.Range(0, 30).Select(i => Events.Valid(userId: $"u_{i}", songId: $"s_{i % 7}")).ToList();
        var bad = Json(Events.Valid(userId: new string('u', 300_000)));
        var events = good.Select(Json).ToList();
        events.Insert(15, bad);
        await Queue(azurite, names.SongUsedQueue).SendMessageAsync(new BinaryData(Gzip(BatchJson(events))));

        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), good.Count, seconds: 60);

        await AssertCountedExactlyOnceAsync(azurite, names, host, good);
        var poisoned = Assert.Single(await ReadPoisonAsync(azurite, names, host, 1));
        Assert.Equal(("invalid event", 15), (poisoned.Reason, poisoned.Index));
        Assert.True(poisoned.Errors?.ContainsKey("userId"));
        Assert.Equal(bad, poisoned.Body.ToString());
        Assert.NotNull(poisoned.BodyBlob);
    }

    [Fact]
    public async Task PostEvents_SingleEvent_IsAcceptedAndCountedWithItsSegmentAndPlaceholderSong()
    {
        await using var host = await StartAsync(azurite);
        var names = new StorageNames(host.StoragePrefix);
        var e = Events.Valid(userId: "u_single", songId: "s_unknown_to_catalog", action: SongAction.Create, segment: new Segment(31_000, 46_000));

        using var response = await PostAsync(host, JsonSerializer.SerializeToElement(e, EventJsonContext.Default.SongUsedEvent));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), 1);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Equal(1, body.GetProperty("messages").GetInt32());
        var interaction = Assert.Single(await host.Get<InteractionStore>().GetUserInteractionsAsync("u_single"));
        Assert.Equal((1, 1, 5.0), (interaction.Count, interaction.Creates, interaction.Weight));
        Assert.Equal(new Segment(30_000, 45_000), interaction.TopSegment); // 5-second buckets of the start
        var song = await host.Get<SongCatalog>().GetAsync("s_unknown_to_catalog");
        Assert.True(song is { IsPlaceholder: true });
    }

    [Fact]
    public async Task PostEvents_FiveHundredEvents_AreEnqueuedInOneCompressedMessage()
    {
        await using var host = await StartAsync(azurite);
        var events = Enumerable.Range(0, 500).Select(i => Events.Valid(userId: $"u_{i % 50}", songId: $"s_{i % 30}")).ToList();

        using var response = await PostAsync(host, Batch(events));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(500, body.GetProperty("accepted").GetInt32());
        Assert.Equal(1, body.GetProperty("messages").GetInt32());
        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), 500);
    }

    private static string Json(SongUsedEvent e) => JsonSerializer.Serialize(e, EventJsonContext.Default.SongUsedEvent);

    private static string BatchJson(IEnumerable<string> events) => $$"""{"events":[{{string.Join(',', events)}}]}""";

    private static byte[] Gzip(string json)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal))
        {
            gzip.Write(Encoding.UTF8.GetBytes(json));
        }

        return compressed.ToArray();
    }

    private static string Gunzip(byte[] body)
    {
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
