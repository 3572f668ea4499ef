using System.Text.Json;
using Resso.Shared.Events;

namespace Resso.Shared.Tests.Events;

public sealed class EventPackerTests
{
    private static SongUsedEvent Event(int i, int idLength = 10) => new(
        $"e{i}".PadRight(idLength, 'x'), $"u{i}".PadRight(idLength, 'x'), "s_1", "v_1", SongAction.View, "ID",
        new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero), new Segment(0, 15_000));

    [Fact]
    public void Pack_ManyLargeEvents_EveryMessageFitsTheQueueLimitInBase64AndNothingIsLostOrReordered()
    {
        var events = Enumerable.Range(0, 500).Select(i => Event(i, 64)).ToList();

        var messages = EventPacker.Pack(events).ToList();

        Assert.All(messages, m => Assert.True(Convert.ToBase64String(m.ToArray()).Length <= 64 * 1024));
        var unpacked = messages.SelectMany(m => JsonSerializer.Deserialize(m, EventJsonContext.Default.SongUsedBatch)!.Events).ToList();
        Assert.Equal(events, unpacked);
        var total = messages.Sum(m => m.ToMemory().Length);
        Assert.Equal((int)Math.Ceiling(total / (double)EventPacker.MaxMessageBytes), messages.Count, tolerance: 1);
    }

    [Fact]
    public void PackCompressed_FiveHundredLargestEvents_FitsFewMessagesAndUnpacksToTheSameEvents()
    {
        var events = Enumerable.Range(0, 500).Select(i => Event(i, 64)).ToList();

        var messages = EventPacker.PackCompressed(events).ToList();

        Assert.InRange(messages.Count, 1, 2);
        Assert.All(messages, m => Assert.True(m.ToMemory().Length <= EventPacker.MaxMessageBytes));
        var unpacked = messages.SelectMany(m => JsonSerializer.Deserialize(EventPacker.Unpack(m).Span, EventJsonContext.Default.SongUsedBatch)!.Events).ToList();
        Assert.Equal(events, unpacked);
    }

    [Fact]
    public void PackCompressed_Body_IsBase64TextOfGzipThatSurvivesTheWorkersTextRoundTrip()
    {
        // The Functions worker rebuilds a queue message from its text (the body decoded as UTF-8).
        var events = Enumerable.Range(0, 20).Select(i => Event(i)).ToList();

        var message = Assert.Single(EventPacker.PackCompressed(events));
        var throughText = new BinaryData(message.ToString());

        Assert.StartsWith(EventPacker.CompressedTextSignature, message.ToString(), StringComparison.Ordinal);
        Assert.Equal(message.ToArray(), throughText.ToArray());
        Assert.Equal(events, JsonSerializer.Deserialize(EventPacker.Unpack(throughText).Span, EventJsonContext.Default.SongUsedBatch)!.Events);
    }

    [Fact]
    public void Unpack_RawGzipAsProducersMayEnqueueIt_IsDecompressed()
    {
        var json = "{\"events\":[]}"u8.ToArray();
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(json);
        }

        Assert.Equal(json, EventPacker.Unpack(new BinaryData(compressed.ToArray())).ToArray());
    }

    [Fact]
    public void Unpack_CompressedTextThatIsNotBase64_IsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => EventPacker.Unpack(BinaryData.FromString("H4sI!!not base64!!")));
    }

    [Fact]
    public void Unpack_PlainJson_IsReturnedAsIs()
    {
        var plain = BinaryData.FromString("{\"events\":[]}");

        Assert.Equal(plain.ToArray(), EventPacker.Unpack(plain).ToArray());
    }

    [Fact]
    public void Unpack_CompressedBomb_IsRefused()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(new byte[EventPacker.MaxUncompressedBytes + 1]);
        }

        Assert.Throws<InvalidDataException>(() => EventPacker.Unpack(new BinaryData(compressed.ToArray())));
    }

    [Fact]
    public void Pack_NoEvents_NoMessages()
    {
        Assert.Empty(EventPacker.Pack([]));
    }
}
