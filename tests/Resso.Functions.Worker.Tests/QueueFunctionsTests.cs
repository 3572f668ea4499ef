using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using Resso.Functions.Worker.Tests.Harness;
using Resso.Ml.Store;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests;

/// <summary>The queue functions, given messages as the queue extension hands them to the worker.</summary>
public sealed class QueueFunctionsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SongUsed_PlainEventsMessage_IsCountedOnce()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString);
        var events = Enumerable.Range(0, 6).Select(i => Events.Valid(userId: $"u_{i % 3}", songId: $"s_{i % 2}")).ToList();
        var queue = Queue(worker.Names.SongUsedQueue);
        await queue.SendMessageAsync(EventPacker.Pack(events).Single());

        Assert.Equal(1, await WorkerQueues.DeliverAllAsync(worker, azurite.ConnectionString, worker.Names.SongUsedQueue, "SongUsed"));

        var store = worker.Get<InteractionStore>();
        Assert.Equal(events.Count, await store.CountEventsAsync());
        var interactions = await store.ReadAllInteractionsAsync();
        Assert.Equal(events.Count, interactions.Sum(i => i.Count));
    }

    /// <summary>The processing lag health reports is recorded by the handler, so the queue trigger's deliveries count too.</summary>
    [Fact]
    public async Task SongUsed_MessageHandled_HealthReportsItsProcessingLagAndAnEmptyQueue()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString);
        await Queue(worker.Names.SongUsedQueue).SendMessageAsync(EventPacker.Pack([Events.Valid()]).Single());

        Assert.Equal(1, await WorkerQueues.DeliverAllAsync(worker, azurite.ConnectionString, worker.Names.SongUsedQueue, "SongUsed"));

        var health = await worker.SendAsync(Requests.Get("/api/health"));
        using var body = JsonDocument.Parse(health.Body);
        var queues = body.RootElement.GetProperty("queues");
        Assert.Equal(worker.Names.SongUsedQueue, queues.GetProperty("songUsed").GetProperty("name").GetString());
        Assert.Equal(0, queues.GetProperty("songUsed").GetProperty("depth").GetInt64());
        Assert.InRange(queues.GetProperty("songUsed").GetProperty("processingLagSeconds").GetDouble(), 0, 60);
        Assert.Equal(JsonValueKind.Null, queues.GetProperty("modelRetrain").GetProperty("processingLagSeconds").ValueKind);
    }

    /// <summary>
    /// The worker's queue extension rebuilds a <c>QueueMessage</c> from the message's text (the
    /// body as UTF-8), so the HTTP API's compressed batches are base64 text of gzip: raw gzip bytes
    /// did not survive the binding and every posted batch went to the poison queue.
    /// </summary>
    [Fact]
    public async Task SongUsed_CompressedBatchOfPostEvents_SurvivesTheQueueMessageBindingAndIsCounted()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString);
        var posted = await worker.SendAsync(Requests.Json(HttpMethod.Post, "/api/events", Requests.Batch([Events.Valid(), Events.Valid()])));
        Assert.Equal((int)HttpStatusCode.Accepted, posted.Status);

        Assert.Equal(1, await WorkerQueues.DeliverAllAsync(worker, azurite.ConnectionString, worker.Names.SongUsedQueue, "SongUsed"));

        Assert.Equal(2, await worker.Get<InteractionStore>().CountEventsAsync());
        Assert.Equal(0, (await Queue(worker.Names.SongUsedPoisonQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task ModelRetrain_RequestedThroughRetrainModel_TrainsAndRecordsADecision()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, Training);
        await PostAndCountAsync(worker, azurite.ConnectionString, Listening());
        Assert.Null(await worker.Get<ModelStore>().GetLastDecisionAsync());

        var requested = await worker.SendAsync(Requests.Json(HttpMethod.Post, "/api/model/retrain?reason=test", new { }));
        Assert.Equal((int)HttpStatusCode.Accepted, requested.Status);
        Assert.Equal(1, await WorkerQueues.DeliverAllAsync(worker, azurite.ConnectionString, worker.Names.ModelRetrainQueue, "ModelRetrain"));

        var decision = await worker.Get<ModelStore>().GetLastDecisionAsync();
        Assert.NotNull(decision);
        Assert.StartsWith("request", decision.Trigger, StringComparison.Ordinal);
        Assert.True(decision.Decision.Published, "The first model is published.");
        var model = await worker.SendAsync(Requests.Get("/api/model"));
        Assert.Contains(decision.Version, model.Body, StringComparison.Ordinal);

        // The shape the self-host answers: the decided version is current, so its manifest is shown once.
        using var status = JsonDocument.Parse(model.Body);
        var last = status.RootElement.GetProperty("lastDecision");
        Assert.Equal((decision.Version, decision.Version), (status.RootElement.GetProperty("current").GetProperty("version").GetString(), last.GetProperty("version").GetString()));
        Assert.Equal((true, JsonValueKind.Null), (last.GetProperty("published").GetBoolean(), last.GetProperty("manifest").ValueKind));
        Assert.Equal("/api/model/versions", status.RootElement.GetProperty("links").GetProperty("versions").GetString());
    }

    /// <summary>Small and quick to train.</summary>
    internal static readonly Dictionary<string, string?> Training = new()
    {
        ["Resso:Training:LatentDimension"] = "8",
        ["Resso:Training:Epochs"] = "5",
        ["Resso:Training:MinNewEvents"] = "1",
    };

    /// <summary>Thirty listeners, each using a few of twelve songs in two taste groups.</summary>
    internal static List<SongUsedEvent> Listening() =>
        [.. from user in Enumerable.Range(0, 30)
            from song in Enumerable.Range(0, 4)
            select Events.Valid(userId: $"u_{user}", songId: $"s_{(user % 2 * 6) + ((user + song) % 6)}", action: SongAction.Like)];

    /// <summary>Posts through the worker's PostEvents and counts them through its SongUsed.</summary>
    internal static async Task PostAndCountAsync(WorkerHost worker, string connectionString, IReadOnlyCollection<SongUsedEvent> events)
    {
        var posted = await worker.SendAsync(Requests.Json(HttpMethod.Post, "/api/events", Requests.Batch(events)));
        Assert.Equal((int)HttpStatusCode.Accepted, posted.Status);
        await WorkerQueues.DeliverAllAsync(worker, connectionString, worker.Names.SongUsedQueue, "SongUsed");
        Assert.Equal(events.Count, await worker.Get<InteractionStore>().CountEventsAsync());
    }

    private QueueClient Queue(string name) =>
        new(azurite.ConnectionString, name, StorageServiceCollectionExtensions.ConfigureQueues(new QueueClientOptions()));
}
