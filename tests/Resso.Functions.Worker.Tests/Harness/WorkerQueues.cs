using Azure.Storage.Queues;
using Resso.Shared.Storage;

namespace Resso.Functions.Worker.Tests.Harness;

/// <summary>Plays the Functions host's queue listener for a test: receives what is queued and hands it to the queue function.</summary>
internal static class WorkerQueues
{
    /// <summary>
    /// Receives every message of <paramref name="queue"/> (decoded as the extension decodes with
    /// <c>messageEncoding: base64</c>), invokes <paramref name="function"/> with each and deletes it
    /// once the invocation succeeded, as the host does. Returns how many were delivered.
    /// </summary>
    public static async Task<int> DeliverAllAsync(WorkerHost worker, string connectionString, string queue, string function, CancellationToken cancellationToken = default)
    {
        var client = new QueueClient(connectionString, queue, StorageServiceCollectionExtensions.ConfigureQueues(new QueueClientOptions()));
        var count = 0;
        while (true)
        {
            var messages = (await client.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5), cancellationToken)).Value;
            if (messages.Length == 0)
            {
                return count;
            }

            foreach (var message in messages)
            {
                await worker.InvokeQueueAsync(function, message, cancellationToken);
                await client.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                count++;
            }
        }
    }
}
