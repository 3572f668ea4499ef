using System.IO.Compression;
using System.Text.Json;

namespace Resso.Shared.Events;

/// <summary>
/// Packs events into as few <c>song-used</c> queue messages as fit the queue's 64 KiB limit
/// (base64). A message is <c>{"events":[…]}</c>, compressed by the HTTP API so that one message
/// carries a whole request of up to 500 events; producers that enqueue directly may send it plain.
/// Compression pays twice: fewer messages, and more events per storage transaction.
/// </summary>
/// <remarks>
/// A compressed body is text: the base64 of the gzip bytes (it starts <c>H4sI</c>). The Azure
/// Functions worker receives a queue message as its text (the queue extension hands over the
/// message's <c>MessageText</c>, the body decoded as UTF-8), which raw gzip bytes do not survive.
/// Raw gzip bodies are still read, from producers that enqueue directly to the self-host.
/// </remarks>
public static class EventPacker
{
    /// <summary>The most bytes a message body may have: base64 turns 3 bytes into 4, and 64 KiB is the limit.</summary>
    public const int MaxMessageBytes = 64 * 1024 / 4 * 3;

    /// <summary>How a compressed body starts: base64 of the gzip header 1F 8B 08.</summary>
    public const string CompressedTextSignature = "H4sI";

    /// <summary>The most JSON one compressed message may expand to, a guard against decompression bombs.</summary>
    public const int MaxUncompressedBytes = 1024 * 1024;

    // JSON of events compresses 5–10 times; aim a compressed chunk at ~4x the limit of raw text and
    // split the rare chunk that still does not fit.
    private const int CompressedChunkTarget = MaxMessageBytes * 4;

    private static readonly byte[] Head = "{\"events\":["u8.ToArray();
    private static readonly byte[] Tail = "]}"u8.ToArray();

    /// <summary>Packs <paramref name="events"/>, in order, into plain JSON message bodies of at most <see cref="MaxMessageBytes"/>.</summary>
    public static IEnumerable<BinaryData> Pack(IEnumerable<SongUsedEvent> events) =>
        Chunks(events.Select(Serialize), MaxMessageBytes).Select(c => new BinaryData(Join(c)));

    /// <summary>Packs <paramref name="events"/>, in order, into compressed message bodies (base64 text of gzip) of at most <see cref="MaxMessageBytes"/>.</summary>
    public static IEnumerable<BinaryData> PackCompressed(IEnumerable<SongUsedEvent> events) =>
        Chunks(events.Select(Serialize), CompressedChunkTarget).SelectMany(Compress);

    /// <summary>True when <paramref name="body"/> starts with the gzip header.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> body) => body.Length >= 2 && body[0] == 0x1F && body[1] == 0x8B;

    /// <summary>True when <paramref name="body"/> is a compressed body as <see cref="PackCompressed"/> writes it (base64 text of gzip).</summary>
    public static bool IsCompressedText(ReadOnlySpan<byte> body) => body.StartsWith("H4sI"u8);

    /// <summary>The JSON of a message body: decompressed when it is base64 text of gzip or gzip, as is otherwise.</summary>
    /// <exception cref="InvalidDataException">The base64 or the gzip stream is corrupt, or it expands beyond <see cref="MaxUncompressedBytes"/>.</exception>
    public static ReadOnlyMemory<byte> Unpack(BinaryData body)
    {
        var bytes = body.ToMemory();
        if (IsCompressedText(bytes.Span))
        {
            var gzip = new byte[bytes.Length / 4 * 3 + 3];
            if (System.Buffers.Text.Base64.DecodeFromUtf8(bytes.Span, gzip, out _, out var written) != System.Buffers.OperationStatus.Done)
            {
                throw new InvalidDataException("The compressed message is not valid base64.");
            }

            return Gunzip(new MemoryStream(gzip, 0, written));
        }

        return IsGzip(bytes.Span) ? Gunzip(body.ToStream()) : bytes;
    }

    private static byte[] Gunzip(Stream compressed)
    {
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var json = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = gzip.Read(buffer)) > 0)
        {
            if (json.Length + read > MaxUncompressedBytes)
            {
                throw new InvalidDataException($"The compressed message expands beyond {MaxUncompressedBytes} bytes.");
            }

            json.Write(buffer, 0, read);
        }

        return json.ToArray();
    }

    private static byte[] Serialize(SongUsedEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.SongUsedEvent);

    private static IEnumerable<List<byte[]>> Chunks(IEnumerable<byte[]> events, int maxBytes)
    {
        var chunk = new List<byte[]>();
        var size = Head.Length + Tail.Length;
        foreach (var json in events)
        {
            if (chunk.Count > 0 && size + 1 + json.Length > maxBytes)
            {
                yield return chunk;
                chunk = [];
                size = Head.Length + Tail.Length;
            }

            chunk.Add(json);
            size += json.Length + 1;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    private static IEnumerable<BinaryData> Compress(List<byte[]> chunk)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Join(chunk));
        }

        var text = new byte[System.Buffers.Text.Base64.GetMaxEncodedToUtf8Length((int)compressed.Length)];
        System.Buffers.Text.Base64.EncodeToUtf8(compressed.GetBuffer().AsSpan(0, (int)compressed.Length), text, out _, out _);
        if (text.Length <= MaxMessageBytes || chunk.Count == 1)
        {
            return [new BinaryData(text)];
        }

        var half = chunk.Count / 2;
        return Compress(chunk[..half]).Concat(Compress(chunk[half..]));
    }

    private static byte[] Join(List<byte[]> chunk)
    {
        using var body = new MemoryStream();
        body.Write(Head);
        for (var i = 0; i < chunk.Count; i++)
        {
            if (i > 0)
            {
                body.WriteByte((byte)',');
            }

            body.Write(chunk[i]);
        }

        body.Write(Tail);
        return body.ToArray();
    }
}
