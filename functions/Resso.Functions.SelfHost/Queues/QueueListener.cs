using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Resso.Functions.Core.Hosting;
using Resso.Functions.SelfHost.Configuration;
using Resso.Shared.Storage;
using Resso.Shared.Telemetry;

namespace Resso.Functions.SelfHost.Queues;

/// <summary>
/// Feeds one queue to its <see cref="IQueueHandler"/> with the semantics of the Functions queue
/// trigger (host.json <c>extensions.queues</c>):
/// <list type="bullet">
/// <item>fetch up to <c>batchSize</c> messages and handle them concurrently; fetch again when no more
/// than <c>newBatchThreshold</c> are still running;</item>
/// <item>when the queue is empty, back off exponentially up to <c>maxPollingInterval</c>;</item>
/// <item>a handler that returns completes (deletes) its message; one that throws makes it visible
/// again after <c>visibilityTimeout</c>; on the <c>maxDequeueCount</c>-th failure the message is
/// copied, unchanged, to <c>{queue}-poison</c> and deleted;</item>
/// <item>messages are base64 (the client's encoding); one that is not is moved to the poison queue
/// as received.</item>
/// </list>
/// What it does not do: a message is fetched invisible for <see cref="QueuesHostOptions.Lease"/> and that
/// lease is not renewed, so a handler must finish well within it (the app's handlers take seconds);
/// a slower one may see its message delivered again, which exactly-once processing tolerates.
/// A receive that fails while storage is unreachable is logged at Debug only: <paramref name="probe"/>
/// tells the outage once for the whole app.
/// </summary>
internal sealed class QueueListener(
    QueueClient queue,
    QueueClient poisonQueue,
    IQueueHandler handler,
    QueuesHostOptions options,
    RessoMetrics metrics,
    TimeProvider timeProvider,
    ILogger logger,
    Random? random = null,
    StorageHealthProbe? probe = null)
{
    private readonly KeyValuePair<string, object?> _queueTag = new(RessoTelemetry.Tags.Queue, queue.Name);

    public string QueueName => queue.Name;

    /// <summary>Polls until <paramref name="stoppingToken"/> fires, then waits for running handlers.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var backoff = new PollingBackoff(options.MaxPollingInterval, random ?? Random.Shared);
        var running = new List<Task>();
        Log.ListenerStarted(logger, queue.Name, options.BatchSize, options.MaxDequeueCount);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                running.RemoveAll(static t => t.IsCompleted);
                if (running.Count > options.NewBatchThreshold)
                {
                    await Task.WhenAny(running).WaitAsync(stoppingToken);
                    continue;
                }

                var messages = await ReceiveAsync(stoppingToken);
                if (stoppingToken.IsCancellationRequested)
                {
                    // Stopped while receiving: hand the messages back now instead of after their fetch lease.
                    await Task.WhenAll(messages.Select(m => ReleaseAsync(m, TimeSpan.Zero)));
                    break;
                }

                if (messages.Length == 0)
                {
                    await Task.Delay(backoff.Next(), timeProvider, stoppingToken);
                    continue;
                }

                backoff.Reset();
                running.AddRange(messages.Select(m => ProcessAsync(m, stoppingToken)));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Each handler task settles its own message and does not throw.
            await Task.WhenAll(running);
            Log.ListenerStopped(logger, queue.Name);
        }
    }

    // Not cancellable: a receive cut short after the service handed out messages would leave them
    // invisible for the whole fetch lease. It is bounded by the client's network timeout.
    private async Task<QueueMessage[]> ReceiveAsync(CancellationToken stoppingToken)
    {
        metrics.QueuePolls.Add(1, _queueTag);
        try
        {
            return (await queue.ReceiveMessagesAsync(options.BatchSize, options.Lease, CancellationToken.None)).Value;
        }
        catch (Exception ex)
        {
            // Storage down or the queue deleted: treat as empty, so polling backs off instead of spinning.
            if (probe is not null && await probe.IsOutageAsync(ex, stoppingToken))
            {
                Log.ReceiveFailedDuringOutage(logger, ex, queue.Name);
            }
            else
            {
                Log.ReceiveFailed(logger, ex, queue.Name);
            }

            return [];
        }
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        // A message seen more often than allowed was being processed when a host died: do not try again.
        if (message.DequeueCount > options.MaxDequeueCount)
        {
            await MoveToPoisonAsync(message, "its dequeue count exceeded maxDequeueCount before processing");
            return;
        }

        try
        {
            await handler.HandleAsync(message, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down mid-message: make it visible again now rather than after the fetch lease.
            await ReleaseAsync(message, TimeSpan.Zero);
            return;
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(logger, ex, queue.Name, message.MessageId, message.DequeueCount, options.MaxDequeueCount);
            if (message.DequeueCount >= options.MaxDequeueCount)
            {
                await MoveToPoisonAsync(message, ex.Message);
            }
            else
            {
                await ReleaseAsync(message, options.VisibilityTimeout);
            }

            return;
        }

        await CompleteAsync(message, "completed");
    }

    // Settling a message (poison, complete, release) is not cancelled by shutdown: once a handler has
    // finished, telling the queue is what keeps the message from being handled again.
    private async Task MoveToPoisonAsync(QueueMessage message, string reason)
    {
        try
        {
            await poisonQueue.CreateIfNotExistsAsync();
            await poisonQueue.SendMessageAsync(message.Body);
            Log.MovedToPoison(logger, queue.Name, message.MessageId, message.DequeueCount, poisonQueue.Name, reason);
            await CompleteAsync(message, "poisoned");
        }
        catch (Exception ex)
        {
            // The message stays in the queue and comes back after the fetch lease; nothing is lost.
            Log.PoisonFailed(logger, ex, queue.Name, message.MessageId);
        }
    }

    private async Task CompleteAsync(QueueMessage message, string outcome)
    {
        try
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            metrics.QueueMessages.Add(1, _queueTag, new(RessoTelemetry.Tags.Outcome, outcome));
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The lease ran out and another consumer owns the message now; its handling decides.
            Log.LeaseLost(logger, queue.Name, message.MessageId);
        }
        catch (Exception ex)
        {
            Log.CompleteFailed(logger, ex, queue.Name, message.MessageId);
        }
    }

    private async Task ReleaseAsync(QueueMessage message, TimeSpan visibilityTimeout)
    {
        try
        {
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: visibilityTimeout);
            metrics.QueueMessages.Add(1, _queueTag, new(RessoTelemetry.Tags.Outcome, "retried"));
        }
        catch (Exception ex)
        {
            // It becomes visible anyway when the fetch lease ends.
            Log.ReleaseFailed(logger, ex, queue.Name, message.MessageId);
        }
    }
}
