using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Resso.Shared.Events;
using Resso.Shared.Storage;

namespace Resso.Shared.Privacy;

/// <summary>
/// Removes a user's rejected events from the poison queues and the poison container. A poison
/// message (an envelope, or a message the host moved as it was) that mentions the user is deleted
/// whole, with its body blob: it is kept for operators to inspect, not as data, and a rejected batch
/// is not split. Queues are read by receiving (peeking shows 32 messages at most), so messages looked
/// at stay invisible for <see cref="LookFor"/>.
/// </summary>
public sealed class PoisonErasure(QueueServiceClient queues, BlobServiceClient blobs, StorageNames names, PoisonMessages poison)
{
    /// <summary>How long a poison message looked at stays invisible.</summary>
    public static readonly TimeSpan LookFor = TimeSpan.FromSeconds(30);

    /// <summary>Deletes every poison message and poison blob that mentions <paramref name="userId"/>; returns how many messages and blobs.</summary>
    public async Task<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        var container = blobs.GetBlobContainerClient(names.PoisonContainer);
        foreach (var name in names.Queues.Where(q => q.EndsWith(StorageNames.PoisonSuffix, StringComparison.Ordinal)))
        {
            var queue = queues.GetQueueClient(name);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                var messages = (await queue.ReceiveMessagesAsync(32, LookFor, cancellationToken)).Value;
                if (messages.Length == 0 || messages.All(m => seen.Contains(m.MessageId)))
                {
                    break;
                }

                foreach (var message in messages.Where(m => seen.Add(m.MessageId)))
                {
                    var (body, bodyBlob) = await OpenAsync(message.Body, cancellationToken);
                    if (!Mentions(body, userId))
                    {
                        continue;
                    }

                    if (bodyBlob is not null && bodyBlob.StartsWith(container.Name + "/", StringComparison.Ordinal))
                    {
                        await container.DeleteBlobIfExistsAsync(bodyBlob[(container.Name.Length + 1)..], cancellationToken: cancellationToken);
                    }

                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                    removed++;
                }
            }
        }

        await foreach (var item in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var content = await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken);
            if (Mentions(content.Value.Content, userId))
            {
                await container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: cancellationToken);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Whether <paramref name="body"/> (JSON, or compressed as the app compresses it) holds <paramref name="userId"/> as a JSON string.</summary>
    public static bool Mentions(BinaryData body, string userId)
    {
        ReadOnlyMemory<byte> json;
        try
        {
            json = EventPacker.Unpack(body);
        }
        catch (InvalidDataException)
        {
            json = body.ToMemory();
        }

        // Ids are [A-Za-z0-9_.:-]: JSON never escapes them, so the quoted id is what any field holding it reads.
        return json.Span.IndexOf(Encoding.UTF8.GetBytes("\"" + userId + "\"")) >= 0;
    }

    // The rejected bytes of a poison message and the blob holding them, if any; a message that is not an envelope is its own body.
    private async Task<(BinaryData Body, string? BodyBlob)> OpenAsync(BinaryData message, CancellationToken cancellationToken)
    {
        try
        {
            var envelope = await poison.ReadAsync(message, cancellationToken);
            return (envelope.Body, envelope.BodyBlob);
        }
        catch (FormatException)
        {
            return (message, null);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // An envelope whose body blob is gone: what is left to look at is the envelope.
            return (message, null);
        }
    }
}
