using System.Text.Json;

namespace Resso.Shared.Events;

/// <summary>
/// Packs events into as few <c>song-used</c> queue messages as fit: each message is
/// <c>{"events":[…]}</c> whose base64 form stays within the queue's 64 KiB message limit.
/// </summary>
public static class EventPacker
{
    /// <summary>The most UTF-8 bytes of JSON per message: base64 turns 3 bytes into 4, and 64 KiB is the limit.</summary>
    public const int MaxMessageBytes = 64 * 1024 / 4 * 3;

    private static readonly byte[] Head = "{\"events\":["u8.ToArray();
    private static readonly byte[] Tail = "]}"u8.ToArray();

    /// <summary>Packs <paramref name="events"/>, in order, into message bodies of at most <see cref="MaxMessageBytes"/> bytes.</summary>
    public static IEnumerable<BinaryData> Pack(IEnumerable<SongUsedEvent> events)
    {
        using var body = new MemoryStream();
        var count = 0;
        foreach (var e in events)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.SongUsedEvent);
            if (count > 0 && body.Length + 1 + json.Length + Tail.Length > MaxMessageBytes)
            {
                yield return Finish(body);
                count = 0;
            }

            if (count == 0)
            {
                body.SetLength(0);
                body.Write(Head);
            }
            else
            {
                body.WriteByte((byte)',');
            }

            body.Write(json);
            count++;
        }

        if (count > 0)
        {
            yield return Finish(body);
        }
    }

    private static BinaryData Finish(MemoryStream body)
    {
        body.Write(Tail);
        return new BinaryData(body.ToArray());
    }
}
