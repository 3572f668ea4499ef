using System.Collections.Concurrent;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Resso.Functions.Core.Hosting;
using Resso.Functions.SelfHost.Configuration;
using Resso.Shared.Telemetry;
using Resso.Functions.SelfHost.Queues;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.Queues;

/// <summary>The queue listener's Functions-host semantics, against a real Azurite.</summary>
public sealed class QueueListenerTests : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite;
    private static readonly QueuesHostOptions Options = new(
        BatchSize: 4, NewBatchThreshold: 2, MaxPollingInterval: TimeSpan.FromMilliseconds(500), VisibilityTimeout: TimeSpan.Zero, MaxDequeueCount: 3);

    private readonly FakeLogger<PoisonMessages> _poisonLog = new();
    private readonly QueueServiceClient _service;
    private readonly ServiceProvider _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
    private QueueClient _queue = null!;
    private QueueClient _poison = null!;
    private Task? _listening;

    public QueueListenerTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _service = Service(new BlobServiceClient(azurite.ConnectionString));
    }

    // The app's receiving client: base64, and the hook that moves what is not base64 to poison.
    private QueueServiceClient Service(BlobServiceClient blobs) =>
        new(_azurite.ConnectionString, StorageServiceCollectionExtensions.ConfigureQueues(new QueueClientOptions(), new PoisonMessages(blobs, new StorageNames(), _poisonLog)));

    private PoisonMessages Reader => new(new BlobServiceClient(_azurite.ConnectionString), new StorageNames(), NullLogger<PoisonMessages>.Instance);

    public async ValueTask InitializeAsync()
    {
        var name = AzuriteFixture.UniqueName("q");
        _queue = _service.GetQueueClient(name);
        _poison = _service.GetQueueClient(name + "-poison");
        await _queue.CreateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listening is not null)
        {
            await _listening;
        }

        _stop.Dispose();
        await _metricsServices.DisposeAsync();
    }

    private void Listen(IQueueHandler handler, QueuesHostOptions? options = null, QueueClient? queue = null)
    {
        var metrics = new RessoMetrics(_metricsServices.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var listener = new QueueListener(queue ?? _queue, _poison, handler, options ?? Options, metrics, TimeProvider.System, NullLogger.Instance);
        _listening = Task.Run(() => listener.RunAsync(_stop.Token));
    }

    private MetricCollector<long> Collect(string instrument) =>
        new(_metricsServices.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), RessoTelemetry.Name, instrument);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"Not within {seconds} s: {what}");
    }

    private async Task<int> ApproximateCountAsync(QueueClient queue) =>
        (await queue.ExistsAsync()).Value ? (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;

    [Fact]
    public async Task Listener_HandlerSucceeds_MessageIsDeliveredOnceAndDeleted()
    {
        var handler = new RecordingHandler();
        await _queue.SendMessageAsync("""{"hello":"world"}""");

        Listen(handler);
        await EventuallyAsync(() => Task.FromResult(handler.Bodies.Count == 1), "the handler got the message");
        await EventuallyAsync(async () => await ApproximateCountAsync(_queue) == 0, "the message was deleted");

        Assert.Equal("""{"hello":"world"}""", Assert.Single(handler.Bodies));
        Assert.Equal(0, await ApproximateCountAsync(_poison));
    }

    [Fact]
    public async Task Listener_HandlerKeepsThrowing_RetriesThenMovesTheMessageIntactToPoison()
    {
        var handler = new RecordingHandler(fail: true);
        const string Body = "{\"events\":[{\"eventId\":\"é-1\"}]}\n\ttrailing";
        await _queue.SendMessageAsync(Body);

        Listen(handler);
        await EventuallyAsync(async () => await ApproximateCountAsync(_poison) == 1, "the message reached the poison queue");

        Assert.Equal([1, 2, 3], handler.DequeueCounts.Order()); // maxDequeueCount attempts, each a redelivery
        var poisoned = (await _poison.ReceiveMessagesAsync(1)).Value.Single();
        Assert.Equal(Body, poisoned.Body.ToString());
        Assert.Equal(0, await ApproximateCountAsync(_queue));
    }

    [Fact]
    public async Task Listener_MessageNotBase64_MovesItInAnEnvelopeWithItsReasonToPoisonAndLogsItWithoutCallingTheHandler()
    {
        var handler = new RecordingHandler();
        var raw = new QueueClient(_azurite.ConnectionString, _queue.Name); // no encoding: what a careless producer does
        var sent = (await raw.SendMessageAsync("plain text, not base64 {")).Value;

        Listen(handler);
        await EventuallyAsync(async () => await ApproximateCountAsync(_poison) == 1, "the undecodable message reached the poison queue");

        var poisoned = await Reader.ReadAsync((await _poison.ReceiveMessagesAsync(1)).Value.Single().Body, TestContext.Current.CancellationToken);
        Assert.Equal((PoisonMessages.NotBase64, _queue.Name, sent.MessageId), (poisoned.Reason, poisoned.SourceQueue, poisoned.SourceMessageId));
        Assert.Equal("plain text, not base64 {", poisoned.Body.ToString());
        Assert.Equal(PoisonEnvelope.Identity, poisoned.BodyEncoding);
        Assert.Empty(handler.Bodies);
        Assert.Equal(0, await ApproximateCountAsync(_queue));
        var logged = Assert.Single(_poisonLog.Collector.GetSnapshot(), r => r.Message.Contains(sent.MessageId, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains(_queue.Name, logged.Message, StringComparison.Ordinal);
        Assert.Contains(PoisonMessages.NotBase64, logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("plain text", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiveMessages_SynchronousCallWithAMessageNotBase64_MovesItInAnEnvelopeToPoison()
    {
        var big = "not base64, received synchronously {" + new string('z', 50 * 1024);
        await new QueueClient(_azurite.ConnectionString, _queue.Name).SendMessageAsync(big);
        await _queue.SendMessageAsync("good");

        var received = _queue.ReceiveMessages(maxMessages: 4, cancellationToken: TestContext.Current.CancellationToken).Value;

        Assert.Equal("good", Assert.Single(received).Body.ToString());
        var poisoned = await Reader.ReadAsync((await _poison.ReceiveMessagesAsync(1)).Value.Single().Body, TestContext.Current.CancellationToken);
        Assert.Equal(PoisonMessages.NotBase64, poisoned.Reason);
        Assert.Equal(big, poisoned.Body.ToString());
    }

    [Fact]
    public async Task Listener_LargeMessageNotBase64AmongGoodOnes_HandlesTheGoodOnesOnTheirFirstDeliveryAndKeepsItsBytesInPoison()
    {
        // Over 48 KiB of text: re-sent as base64 it would not fit in a queue message.
        var big = "not base64 {" + new string('x', 60 * 1024);
        var raw = new QueueClient(_azurite.ConnectionString, _queue.Name);
        await raw.SendMessageAsync(big);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => _queue.SendMessageAsync($"good {i}")));
        var handler = new RecordingHandler();

        Listen(handler);
        await EventuallyAsync(() => Task.FromResult(handler.Bodies.Count == 3), "the good messages were handled");
        await EventuallyAsync(async () => await ApproximateCountAsync(_poison) == 1, "the large message reached the poison queue");

        // Handled on their first delivery: nothing held them back for a lease.
        Assert.Equal([1, 1, 1], handler.DequeueCounts);
        var poisoned = await Reader.ReadAsync((await _poison.ReceiveMessagesAsync(1)).Value.Single().Body, TestContext.Current.CancellationToken);
        Assert.Equal(PoisonMessages.NotBase64, poisoned.Reason);
        Assert.Equal(Encoding.UTF8.GetBytes(big), poisoned.Body.ToArray());
        Assert.NotNull(poisoned.BodyBlob);
        Assert.Equal(0, await ApproximateCountAsync(_queue));
    }

    [Fact]
    public async Task Listener_MovingAnUndecodableMessageFails_LogsItHandlesTheOthersAndMovesItAfterItsLease()
    {
        // The first upload of the large message's bytes takes effect but its answer is lost.
        var faults = new StorageFaults { Armed = true };
        var failed = 0;
        faults.FailAfter = (method, path, _) => method == "PUT" && path.EndsWith("/message", StringComparison.Ordinal) && Interlocked.Exchange(ref failed, 1) == 0;
        var blobOptions = new BlobClientOptions();
        blobOptions.AddPolicy(faults, Azure.Core.HttpPipelinePosition.PerCall);
        var queue = Service(new BlobServiceClient(_azurite.ConnectionString, blobOptions)).GetQueueClient(_queue.Name);
        var big = "not base64 {" + new string('y', 60 * 1024);
        var sent = (await new QueueClient(_azurite.ConnectionString, _queue.Name).SendMessageAsync(big)).Value;
        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => _queue.SendMessageAsync($"good {i}")));
        var handler = new RecordingHandler();

        Listen(handler, Options with { MessageLease = TimeSpan.FromSeconds(3) }, queue);
        await EventuallyAsync(() => Task.FromResult(handler.Bodies.Count == 3), "the good messages were handled");
        await EventuallyAsync(async () => await ApproximateCountAsync(_poison) == 1, "the large message reached the poison queue on a later attempt");

        Assert.Equal([1, 1, 1], handler.DequeueCounts);
        Assert.Equal(1, faults.Injected);
        var notMoved = Assert.Single(_poisonLog.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Contains(sent.MessageId, notMoved.Message, StringComparison.Ordinal);
        Assert.Contains(_queue.Name, notMoved.Message, StringComparison.Ordinal);
        var poisoned = await Reader.ReadAsync((await _poison.ReceiveMessagesAsync(1)).Value.Single().Body, TestContext.Current.CancellationToken);
        Assert.Equal(Encoding.UTF8.GetBytes(big), poisoned.Body.ToArray());
        await EventuallyAsync(async () => await ApproximateCountAsync(_queue) == 0, "the large message left its queue");
    }

    [Fact]
    public async Task Listener_MessageAlreadyDequeuedTooOften_GoesToPoisonWithoutAnotherAttempt()
    {
        // A host that died mid-message leaves its dequeue count behind; simulate four such deaths.
        await _queue.SendMessageAsync("survivor of crashes");
        for (var i = 0; i < Options.MaxDequeueCount + 1; i++)
        {
            var message = (await _queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).Value.Single();
            await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        }

        var handler = new RecordingHandler();
        Listen(handler);
        await EventuallyAsync(async () => await ApproximateCountAsync(_poison) == 1, "the message reached the poison queue");

        Assert.Empty(handler.Bodies);
        Assert.Equal("survivor of crashes", (await _poison.ReceiveMessagesAsync(1)).Value.Single().Body.ToString());
    }

    [Fact]
    public async Task Listener_ManyMessages_HandlesAllWithAtMostBatchSizePlusThresholdAtOnce()
    {
        var handler = new RecordingHandler(delay: TimeSpan.FromMilliseconds(200));
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _queue.SendMessageAsync($"m{i}")));

        Listen(handler);
        await EventuallyAsync(() => Task.FromResult(handler.Bodies.Count == 20), "all 20 messages were handled", seconds: 60);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}").Order(), handler.Bodies.Order());
        Assert.InRange(handler.MaxConcurrency, 2, Options.BatchSize + Options.NewBatchThreshold);
    }

    [Fact]
    public async Task Listener_EmptyQueue_BacksOffThenPicksUpANewMessageWithinThePollingInterval()
    {
        using var polls = Collect("resso.queue.polls");
        var handler = new RecordingHandler();
        Listen(handler);

        // 100 + 200 + 400 + 500 + 500 … ms: about 7 polls in 3 s, where a fixed 100 ms would make 30.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idlePolls = polls.GetMeasurementSnapshot().Count(m => Equals(m.Tags[RessoTelemetry.Tags.Queue], _queue.Name));
        Assert.InRange(idlePolls, 3, 12);

        await _queue.SendMessageAsync("late arrival");
        var sent = DateTime.UtcNow; // once the message is in the queue: what storage takes to accept it is not the listener's
        await EventuallyAsync(() => Task.FromResult(handler.Bodies.Count == 1), "the late message was handled", seconds: 5);
        Assert.True(DateTime.UtcNow - sent < Options.MaxPollingInterval + TimeSpan.FromSeconds(2));
    }

    private sealed class RecordingHandler(bool fail = false, TimeSpan delay = default) : IQueueHandler
    {
        private int _running;
        private int _maxConcurrency;

        public ConcurrentBag<string> Bodies { get; } = [];

        public ConcurrentBag<long> DequeueCounts { get; } = [];

        public int MaxConcurrency => _maxConcurrency;

        public string QueueName => "unused-here";

        public async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken = default)
        {
            var running = Interlocked.Increment(ref _running);
            InterlockedMax(ref _maxConcurrency, running);
            try
            {
                DequeueCounts.Add(message.DequeueCount);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, cancellationToken);
                }

                if (fail)
                {
                    throw new InvalidOperationException("handler failure for the test");
                }

                Bodies.Add(Encoding.UTF8.GetString(message.Body));
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int current;
            while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }
}
