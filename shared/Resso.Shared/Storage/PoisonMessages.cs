using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Specialized;
using Microsoft.Extensions.Logging;
using Resso.Shared.Events;

namespace Resso.Shared.Storage;

/// <summary>
/// Writes the app's own rejections to poison queues, all in one format, and reads them back. A
/// poison message is JSON:
/// <code>
/// {"reason":"invalid event","sourceQueue":"song-used","sourceMessageId":"…","index":3,
///  "errors":{"userId":["must be …"]},"bodyEncoding":"gzip","bodyLength":1234,"body":"H4sI…"}
/// </code>
/// <c>index</c> only when one event of a batch was rejected, <c>errors</c> only where they are known;
/// <c>body</c> is the rejected bytes exactly, base64, and <c>bodyEncoding</c> says whether they are
/// gzip-compressed. When the envelope would not fit in a queue message, the bytes go to a blob of
/// <see cref="StorageNames.PoisonContainer"/> and <c>"bodyBlob":"{container}/{blob}"</c> replaces
/// <c>body</c>. Every rejection is logged with the message id, queues and reason, never the content.
/// Messages that the host gives up on after <c>maxDequeueCount</c> attempts are not enveloped: like
/// the Functions host, the self-host moves them to the poison queue as they are.
/// </summary>
public sealed class PoisonMessages(BlobServiceClient blobs, StorageNames names, ILogger<PoisonMessages> logger)
{
    /// <summary>The reason given for a message that is not base64.</summary>
    public const string NotBase64 = "not base64";

    // Reasons come from exception messages at times; keep the envelope small whatever they say.
    private const int MaxReasonLength = 1024;

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(names.PoisonContainer);

    /// <summary>Sends <paramref name="envelope"/> to <paramref name="poisonQueue"/>, its body to a blob if it would not fit, and logs it.</summary>
    public Task SendAsync(QueueClient poisonQueue, PoisonEnvelope envelope, CancellationToken cancellationToken = default) =>
        SendAsync(poisonQueue, envelope, async: true, cancellationToken);

    /// <summary>Reads a message of a poison queue written by <see cref="SendAsync(QueueClient, PoisonEnvelope, CancellationToken)"/>, with its body from the blob if it is there.</summary>
    /// <exception cref="FormatException">The message is not a poison envelope (e.g. one the host moved as it was).</exception>
    public async Task<PoisonEnvelope> ReadAsync(BinaryData message, CancellationToken cancellationToken = default)
    {
        try
        {
            using var document = JsonDocument.Parse(message.ToMemory());
            var root = document.RootElement;
            var bodyBlob = root.TryGetProperty("bodyBlob", out var blob) ? blob.GetString() : null;
            BinaryData body;
            if (bodyBlob is not null)
            {
                var slash = bodyBlob.IndexOf('/', StringComparison.Ordinal);
                var content = await blobs.GetBlobContainerClient(bodyBlob[..slash]).GetBlobClient(bodyBlob[(slash + 1)..]).DownloadContentAsync(cancellationToken);
                body = content.Value.Content;
            }
            else
            {
                body = new BinaryData(root.GetProperty("body").GetBytesFromBase64());
            }

            Dictionary<string, string[]>? errors = null;
            if (root.TryGetProperty("errors", out var errorsElement))
            {
                errors = errorsElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString() ?? "").ToArray());
            }

            return new PoisonEnvelope(
                root.GetProperty("reason").GetString() ?? "",
                root.GetProperty("sourceQueue").GetString() ?? "",
                root.GetProperty("sourceMessageId").GetString() ?? "",
                body)
            {
                Index = root.TryGetProperty("index", out var index) ? index.GetInt32() : null,
                Errors = errors,
                BodyBlob = bodyBlob,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            throw new FormatException("The message is not a poison envelope.", ex);
        }
    }

    /// <summary>
    /// The queue clients' hook for a received message that is not base64: moves it to
    /// <c>{queue}-poison</c>. Never throws, since a throw would fail the whole receive and leave every
    /// message fetched with this one invisible until its lease ends: if the move fails, it is logged
    /// and the message stays where it is, to be tried again when its lease ends.
    /// </summary>
    internal async Task MoveUndecodableAsync(QueueMessageDecodingFailedEventArgs args)
    {
        if (args.ReceivedMessage is not { } message)
        {
            return; // a peek: nothing to move
        }

        var queue = args.Queue;
        var poisonQueue = queue.GetParentQueueServiceClient().GetQueueClient(queue.Name + StorageNames.PoisonSuffix);
        var async = !args.IsRunningSynchronously;
        try
        {
            await SendAsync(poisonQueue, new PoisonEnvelope(NotBase64, queue.Name, message.MessageId, message.Body), async, args.CancellationToken);
            if (async)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken);
            }
            else
            {
                queue.DeleteMessage(message.MessageId, message.PopReceipt, args.CancellationToken);
            }
        }
        catch (Exception ex)
        {
            Log.UndecodableNotMoved(logger, ex, message.MessageId, queue.Name, poisonQueue.Name);
        }
    }

    // The storage clients' own pattern: one body for both, since the decoding hook may run synchronously.
    private async Task SendAsync(QueueClient poisonQueue, PoisonEnvelope envelope, bool async, CancellationToken cancellationToken)
    {
        var message = Serialize(envelope, bodyBlob: null);
        string? bodyBlob = null;
        if (message.ToMemory().Length > EventPacker.MaxMessageBytes)
        {
            var name = envelope.Index is { } index
                ? string.Create(CultureInfo.InvariantCulture, $"{poisonQueue.Name}/{envelope.SourceMessageId}/event-{index}")
                : $"{poisonQueue.Name}/{envelope.SourceMessageId}/message";
            await UploadAsync(name, envelope.Body, async, cancellationToken);
            bodyBlob = $"{_container.Name}/{name}";
            message = Serialize(envelope, bodyBlob);
        }

        try
        {
            await SendMessageAsync(poisonQueue, message, async, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Provisioning creates the app's poison queues; any other queue's is created on first use.
            if (async)
            {
                await poisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }
            else
            {
                poisonQueue.CreateIfNotExists(cancellationToken: cancellationToken);
            }

            await SendMessageAsync(poisonQueue, message, async, cancellationToken);
        }

        var where = bodyBlob ?? "the message";
        if (envelope.Index is { } eventIndex)
        {
            Log.EventRejected(logger, envelope.SourceMessageId, envelope.SourceQueue, eventIndex, poisonQueue.Name, envelope.Reason, FormatErrors(envelope.Errors), envelope.Body.ToMemory().Length, where);
        }
        else
        {
            Log.MessageRejected(logger, envelope.SourceMessageId, envelope.SourceQueue, poisonQueue.Name, envelope.Reason, envelope.Body.ToMemory().Length, where);
        }
    }

    private static async Task SendMessageAsync(QueueClient queue, BinaryData message, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await queue.SendMessageAsync(message, cancellationToken: cancellationToken);
        }
        else
        {
            queue.SendMessage(message, cancellationToken: cancellationToken);
        }
    }

    private async Task UploadAsync(string name, BinaryData body, bool async, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" } };
        var blob = _container.GetBlobClient(name);
        try
        {
            await UploadAsync(blob, body, options, async, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            if (async)
            {
                await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }
            else
            {
                _container.CreateIfNotExists(cancellationToken: cancellationToken);
            }

            await UploadAsync(blob, body, options, async, cancellationToken);
        }
    }

    private static async Task UploadAsync(BlobClient blob, BinaryData body, BlobUploadOptions options, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await blob.UploadAsync(body, options, cancellationToken);
        }
        else
        {
            blob.Upload(body, options, cancellationToken);
        }
    }

    private static BinaryData Serialize(PoisonEnvelope envelope, string? bodyBlob)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("reason", Shorten(envelope.Reason));
            writer.WriteString("sourceQueue", envelope.SourceQueue);
            writer.WriteString("sourceMessageId", envelope.SourceMessageId);
            if (envelope.Index is { } index)
            {
                writer.WriteNumber("index", index);
            }

            if (envelope.Errors is { } errors)
            {
                writer.WriteStartObject("errors");
                foreach (var (field, messages) in errors)
                {
                    writer.WriteStartArray(field);
                    foreach (var message in messages)
                    {
                        writer.WriteStringValue(message);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteString("bodyEncoding", envelope.BodyEncoding);
            writer.WriteNumber("bodyLength", envelope.Body.ToMemory().Length);
            if (bodyBlob is null)
            {
                writer.WriteBase64String("body", envelope.Body.ToMemory().Span);
            }
            else
            {
                writer.WriteString("bodyBlob", bodyBlob);
            }

            writer.WriteEndObject();
        }

        return new BinaryData(stream.ToArray());
    }

    private static string Shorten(string reason)
    {
        if (reason.Length <= MaxReasonLength)
        {
            return reason;
        }

        // Never cut a surrogate pair in two: the JSON writer refuses half of one.
        var length = char.IsHighSurrogate(reason[MaxReasonLength - 1]) ? MaxReasonLength - 1 : MaxReasonLength;
        return reason[..length];
    }

    private static string FormatErrors(IReadOnlyDictionary<string, string[]>? errors) =>
        errors is null ? "" : string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(' ', e.Value)}"));
}
