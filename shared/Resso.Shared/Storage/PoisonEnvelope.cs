namespace Resso.Shared.Storage;

/// <summary>
/// A message, or one event of a message, that the app rejected to a poison queue: why, where it came
/// from, and the exact bytes it rejected. <see cref="PoisonMessages"/> writes it and reads it back.
/// </summary>
/// <param name="Reason">Why it was rejected, e.g. <c>not base64</c>, <c>invalid event</c>.</param>
/// <param name="SourceQueue">The queue the message was received from.</param>
/// <param name="SourceMessageId">The id of that message.</param>
/// <param name="Body">
/// The rejected bytes, exactly: the message body as received (gzip-compressed or not, text that was not
/// base64), or the JSON of the one event rejected.
/// </param>
public sealed record PoisonEnvelope(string Reason, string SourceQueue, string SourceMessageId, BinaryData Body)
{
    /// <summary>The <see cref="BodyEncoding"/> of a gzip-compressed body.</summary>
    public const string Gzip = "gzip";

    /// <summary>The <see cref="BodyEncoding"/> of a compressed body as the HTTP API enqueues it: base64 text of gzip bytes.</summary>
    public const string GzipBase64 = "gzip+base64";

    /// <summary>The <see cref="BodyEncoding"/> of a body that is not compressed.</summary>
    public const string Identity = "identity";

    /// <summary>The position of the rejected event in its message's batch; null when the whole message was rejected.</summary>
    public int? Index { get; init; }

    /// <summary>Field → problems, where they are known.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>
    /// Where the body is kept, <c>{container}/{blob}</c>, when it did not fit in the poison queue's
    /// message; null when it travels in the message itself. Set on envelopes read back.
    /// </summary>
    public string? BodyBlob { get; init; }

    /// <summary><see cref="Gzip"/> when the body starts with the gzip header, <see cref="GzipBase64"/> when it is base64 text of gzip, <see cref="Identity"/> otherwise.</summary>
    public string BodyEncoding
    {
        get
        {
            var bytes = Body.ToMemory().Span;
            return Events.EventPacker.IsGzip(bytes) ? Gzip : Events.EventPacker.IsCompressedText(bytes) ? GzipBase64 : Identity;
        }
    }
}
