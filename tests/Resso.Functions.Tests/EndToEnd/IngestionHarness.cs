using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Resso.Functions.SelfHost.Configuration;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>Drives ingestion end to end against one self-host and checks what storage ends up holding.</summary>
internal static class IngestionHarness
{
    /// <summary>Fast polling and immediate retries, so that redeliveries happen within a test.</summary>
    public static readonly QueuesHostOptions FastQueues = new(16, 8, TimeSpan.FromMilliseconds(200), TimeSpan.Zero, 5);

    public static Task<SelfHostServer> StartAsync(AzuriteFixture azurite, StorageFaults? faults = null, string? prefix = null, IDictionary<string, string?>? settings = null) =>
        SelfHostServer.StartAsync(azurite.ConnectionString, settings, services: services =>
        {
            services.AddSingleton(FastQueues);
            faults?.AddTo(services);
        }, storagePrefix: prefix);

    public static Task<HttpResponseMessage> PostAsync(SelfHostServer host, object body, string? key = SelfHostServer.TestKey) =>
        SendAsync(host, HttpMethod.Post, "/api/events", JsonContent.Create(body), key);

    /// <summary>Posts <paramref name="body"/> to <c>/api/events</c> as it is, bytes and media type untouched.</summary>
    public static Task<HttpResponseMessage> PostRawAsync(SelfHostServer host, byte[] body, string? key = SelfHostServer.TestKey, string contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return SendAsync(host, HttpMethod.Post, "/api/events", content, key);
    }

    /// <summary>The catalog upsert, <c>PUT /api/songs/{songId}</c>.</summary>
    public static Task<HttpResponseMessage> PutSongAsync(SelfHostServer host, string songId, object details, string key = SelfHostServer.TestKey) =>
        SendAsync(host, HttpMethod.Put, $"/api/songs/{songId}", JsonContent.Create(details), key);

    /// <summary>Sends a request with the function key (none when <paramref name="key"/> is null).</summary>
    public static async Task<HttpResponseMessage> SendAsync(SelfHostServer host, HttpMethod method, string path, HttpContent? content, string? key = SelfHostServer.TestKey)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("x-functions-key", key);
        }

        return await host.Client.SendAsync(request);
    }

    public static object Batch(IEnumerable<SongUsedEvent> events) =>
        new { events = events.Select(e => JsonSerializer.SerializeToElement(e, EventJsonContext.Default.SongUsedEvent)).ToList() };

    public static QueueClient Queue(AzuriteFixture azurite, string name) => Queue(azurite.ConnectionString, name);

    public static QueueClient Queue(string connectionString, string name) =>
        new(connectionString, name, StorageServiceCollectionExtensions.ConfigureQueues(new QueueClientOptions()));

    /// <summary>Waits until <paramref name="expected"/> messages are in the <c>song-used</c> poison queue and reads them back, bodies and all.</summary>
    public static async Task<List<PoisonEnvelope>> ReadPoisonAsync(AzuriteFixture azurite, StorageNames names, SelfHostServer host, int expected, int seconds = 60)
    {
        var poison = Queue(azurite, names.SongUsedPoisonQueue);
        var reader = host.Get<PoisonMessages>();
        var read = new List<PoisonEnvelope>();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (read.Count < expected && DateTime.UtcNow < deadline)
        {
            var messages = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            foreach (var message in messages)
            {
                read.Add(await reader.ReadAsync(message.Body));
            }

            if (messages.Length == 0)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(read.Count >= expected, $"After {seconds} s: {read.Count} of {expected} poison messages.");
        return read;
    }

    public static Task WaitUntilCountedAsync(AzuriteFixture azurite, StorageNames names, InteractionStore store, long expected, int seconds = 90) =>
        WaitUntilCountedAsync(azurite.ConnectionString, names, store, expected, seconds);

    /// <summary>Waits until <paramref name="expected"/> distinct events are counted and the queue is drained.</summary>
    public static async Task WaitUntilCountedAsync(string connectionString, StorageNames names, InteractionStore store, long expected, int seconds = 90)
    {
        var queue = Queue(connectionString, names.SongUsedQueue);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        long counted = -1;
        int queued = -1;
        while (DateTime.UtcNow < deadline)
        {
            counted = await store.CountEventsAsync();
            queued = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            if (counted >= expected && queued == 0)
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"After {seconds} s: {counted} of {expected} events counted, {queued} messages still queued.");
    }

    public static Task AssertCountedExactlyOnceAsync(AzuriteFixture azurite, StorageNames names, SelfHostServer host, IReadOnlyCollection<SongUsedEvent> distinct) =>
        AssertCountedExactlyOnceAsync(azurite.ConnectionString, names, host, distinct);

    /// <summary>Checks every place an event leaves a trace holds each distinct event exactly once.</summary>
    public static async Task AssertCountedExactlyOnceAsync(string connectionString, StorageNames names, SelfHostServer host, IReadOnlyCollection<SongUsedEvent> distinct)
    {
        var store = host.Get<InteractionStore>();
        Assert.Equal(distinct.Count, await store.CountEventsAsync());

        var expected = distinct.GroupBy(e => (e.UserId, e.SongId)).ToDictionary(g => g.Key, g => g.Count());
        var actual = (await store.ReadAllInteractionsAsync()).ToDictionary(i => (i.UserId, i.SongId), i => i.Count);

        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));

        var expectedStats = distinct.GroupBy(e => (e.SongId, e.Region, SongStatsStore.Hour(e.OccurredAt))).ToDictionary(g => g.Key, g => (long)g.Count());
        var actualStats = new Dictionary<(string, string, DateTimeOffset), long>();
        await foreach (var stat in host.Get<SongStatsStore>().ReadAsync(distinct.Min(e => e.OccurredAt), DateTimeOffset.UtcNow.AddHours(1)))
        {
            actualStats[(stat.SongId, stat.Region, stat.Hour)] = stat.Events;
        }

        Assert.Equal(expectedStats.OrderBy(p => p.Key), actualStats.OrderBy(p => p.Key));

        var logged = new List<string>();
        await foreach (var e in host.Get<EventLog>().ReadAsync())
        {
            logged.Add($"{e.UserId}|{e.EventId}");
        }

        Assert.Equal(distinct.Select(e => $"{e.UserId}|{e.EventId}").Order(), logged.Order());
    }
}
