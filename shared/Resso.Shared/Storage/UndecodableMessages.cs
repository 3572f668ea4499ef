using Azure.Storage.Queues;
using Azure.Storage.Queues.Specialized;

namespace Resso.Shared.Storage;

/// <summary>
/// A message that is not base64 (someone enqueued raw text) can never be processed. Like the
/// Functions host, move it, as received, to the queue's poison queue instead of letting it block
/// or vanish.
/// </summary>
internal static class UndecodableMessages
{
    public static async Task MoveToPoisonAsync(QueueMessageDecodingFailedEventArgs args)
    {
        if (args.ReceivedMessage is not { } message)
        {
            return; // a peek: nothing to move
        }

        var queue = args.Queue;
        var poison = queue.GetParentQueueServiceClient().GetQueueClient(queue.Name + StorageNames.PoisonSuffix);
        if (args.IsRunningSynchronously)
        {
            poison.CreateIfNotExists(cancellationToken: args.CancellationToken);
            poison.SendMessage(message.Body, cancellationToken: args.CancellationToken);
            queue.DeleteMessage(message.MessageId, message.PopReceipt, args.CancellationToken);
        }
        else
        {
            await poison.CreateIfNotExistsAsync(cancellationToken: args.CancellationToken);
            await poison.SendMessageAsync(message.Body, cancellationToken: args.CancellationToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken);
        }
    }
}
