using System.IO.Compression;
using System.Text.Json;

namespace Resso.Shared.Events;

/// <summary>
/// Packs events into as few <c>song-used</c> queue messages as fit the queue's 64 KiB limit
/// (base64). A message is <c>{"events":[…]}</c>, gzip-compressed by the HTTP API so that one
/// message carries a whole request of up to 500 events; producers that enqueue directly may send
/// it plain. Compression pays twice: fewer messages, and more events per storage transaction.
/// </summary>
public static class EventPacker
{
    /// <summary>The most bytes a message body may have: base64 turns 3 bytes into 4, and 64 KiB is the limit.</summary>
    public const int MaxMessageBytes = 64 * 1024 / 4 * 3;

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

    /// <summary>Packs <paramref name="events"/>, in order, into gzip-compressed message bodies of at most <see cref="MaxMessageBytes"/>.</summary>
    public static IEnumerable<BinaryData> PackCompressed(IEnumerable<SongUsedEvent> events) =>
        Chunks(events.Select(Serialize), CompressedChunkTarget).SelectMany(Compress);

    /// <summary>The JSON of a message body: decompressed when it is gzip, as is otherwise.</summary>
    /// <exception cref="InvalidDataException">The gzip stream is corrupt or expands beyond <see cref="MaxUncompressedBytes"/>.</exception>
    public static ReadOnlyMemory<byte> Unpack(BinaryData body)
    {
        var bytes = body.ToMemory();
        if (bytes.Length < 2 || bytes.Span[0] != 0x1F || bytes.Span[1] != 0x8B)
        {
            return bytes;
        }

        using var gzip = new GZipStream(body.ToStream(), CompressionMode.Decompress);
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

        if (compressed.Length <= MaxMessageBytes || chunk.Count == 1)
        {
            return [new BinaryData(compressed.ToArray())];
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
