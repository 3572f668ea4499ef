using System.Buffers.Binary;
using System.IO.Hashing;
using Resso.Shared.Catalog;

namespace Resso.Shared.Tests.Catalog;

public sealed class CompactCatalogTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"resso-compact-{Guid.NewGuid():N}.bin");

    public void Dispose() => File.Delete(_path);

    private static SongDetails Song(string artist, string label, params string[] regions) => new($"Title by {artist}", artist, label, 180_000, regions);

    private CompactCatalog Write(CompactCatalogWriter writer, long sequence = 7, DateTimeOffset? since = null)
    {
        using (var file = File.Create(_path))
        {
            writer.WriteTo(file, sequence, since ?? new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
        }

        return CompactCatalog.Open(_path);
    }

    [Fact]
    public void WriteTo_ThenOpen_EverySongReadsBackWithArtistLabelRegionsAndPlaceholder()
    {
        var writer = new CompactCatalogWriter();
        writer.Add("s_everywhere", Song("Ana", "Label A"));
        writer.Add("s_id_only", Song("Budi", "Label B", "ID"));
        // The same set of regions in another order, repeated: one set.
        writer.Add("s_id_my", Song("Ana", "Label B", "MY", "ID"));
        writer.Add("s_my_id", Song("Citra", "Label A", "ID", "MY", "ID"));
        writer.Add("s_placeholder", null);
        writer.Add("s_ünïcode_✓", Song("Dé", "Label Ü", "JP"));

        using var catalog = Write(writer, sequence: 42, since: new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));

        Assert.Equal(42, catalog.Sequence);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero), catalog.ChangesSince);
        Assert.Equal(6, catalog.Count);
        Assert.Equal(4, catalog.ArtistCount);
        Assert.Equal(3, catalog.LabelCount);
        Assert.Equal(3, catalog.RegionSetCount);
        Assert.True(catalog.TryGet("s_everywhere", out var everywhere));
        Assert.Equal("Ana", catalog.ArtistName(everywhere.Artist));
        Assert.Equal("Label A", catalog.LabelName(everywhere.Label));
        Assert.Empty(catalog.Regions(everywhere.RegionSet));
        Assert.True(catalog.IsPlayableIn(everywhere.RegionSet, "US"));
        Assert.True(catalog.TryGet("s_id_only", out var idOnly));
        Assert.Equal(["ID"], catalog.Regions(idOnly.RegionSet));
        Assert.True(catalog.IsPlayableIn(idOnly.RegionSet, "ID"));
        Assert.False(catalog.IsPlayableIn(idOnly.RegionSet, "MY"));
        Assert.False(catalog.IsPlayableIn(idOnly.RegionSet, "XX"));
        Assert.True(catalog.TryGet("s_id_my", out var idMy));
        Assert.True(catalog.TryGet("s_my_id", out var myId));
        Assert.Equal(idMy.RegionSet, myId.RegionSet);
        Assert.Equal(["ID", "MY"], catalog.Regions(myId.RegionSet));
        Assert.Equal(everywhere.Artist, idMy.Artist);
        Assert.True(catalog.TryGet("s_placeholder", out var placeholder));
        Assert.True(placeholder.IsPlaceholder);
        Assert.Null(catalog.ArtistName(placeholder.Artist));
        Assert.False(everywhere.IsPlaceholder);
        Assert.True(catalog.TryGet("s_ünïcode_✓", out var unicode));
        Assert.Equal("Dé", catalog.ArtistName(unicode.Artist));
        Assert.Equal("Label Ü", catalog.LabelName(unicode.Label));
        Assert.False(catalog.TryGet("s_never", out _));
        Assert.False(catalog.TryGet("s_everywher", out _));
    }

    [Fact]
    public void WriteTo_ThenOpen_TitlesReadBackIncludingNonAsciiAndEmpty_PlaceholderHasNone()
    {
        var writer = new CompactCatalogWriter();
        writer.Add("s_ascii", new SongDetails("Hello World", "Ana", "Label A", 180_000, []));
        writer.Add("s_unicode", new SongDetails("Dé jà vu ✓ 日本語 🎵", "Dé", "Label Ü", 180_000, ["JP"]));
        writer.Add("s_empty", new SongDetails("", "Budi", "Label B", 180_000, []));
        writer.Add("s_placeholder", null);
        // Longer than a record's 16-bit length: left to the catalog table.
        writer.Add("s_long", new SongDetails(new string('é', 40_000), "Citra", "Label A", 180_000, []));
        writer.Add("s_after", new SongDetails("After the long one", "Citra", "Label A", 180_000, []));

        using var catalog = Write(writer);

        Assert.True(catalog.HasTitles);
        Assert.True(catalog.TryGet("s_ascii", out var ascii));
        Assert.Equal("Hello World", catalog.Title(ascii));
        Assert.True(catalog.TryGet("s_unicode", out var unicode));
        Assert.Equal("Dé jà vu ✓ 日本語 🎵", catalog.Title(unicode));
        Assert.Equal("Dé", catalog.ArtistName(unicode.Artist));
        Assert.True(catalog.TryGet("s_empty", out var empty));
        Assert.Equal(0, empty.TitleLength);
        Assert.Equal("", catalog.Title(empty));
        Assert.True(catalog.TryGet("s_placeholder", out var placeholder));
        Assert.True(placeholder.IsPlaceholder);
        Assert.Equal(-1, placeholder.TitleLength);
        Assert.Null(catalog.Title(placeholder));
        Assert.True(catalog.TryGet("s_long", out var tooLong));
        Assert.False(tooLong.IsPlaceholder);
        Assert.Equal(-1, tooLong.TitleLength);
        Assert.Null(catalog.Title(tooLong));
        Assert.Equal("Citra", catalog.ArtistName(tooLong.Artist));
        Assert.True(catalog.TryGet("s_after", out var after));
        Assert.Equal("After the long one", catalog.Title(after));
    }

    [Fact]
    public void Open_Format1File_ReadsArtistsAndRegionsWithoutTitles()
    {
        var writer = new CompactCatalogWriter();
        writer.Add("s_1", Song("Ana", "Label A", "ID"));
        writer.Add("s_2", Song("Budi", "Label B"));
        writer.Add("s_placeholder", null);
        Write(writer).Dispose();
        File.WriteAllBytes(_path, Format1(File.ReadAllBytes(_path)));

        using var catalog = CompactCatalog.Open(_path);

        Assert.False(catalog.HasTitles);
        Assert.Equal(3, catalog.Count);
        Assert.True(catalog.TryGet("s_1", out var one));
        Assert.Equal("Ana", catalog.ArtistName(one.Artist));
        Assert.Equal("Label A", catalog.LabelName(one.Label));
        Assert.Equal(["ID"], catalog.Regions(one.RegionSet));
        Assert.Equal(-1, one.TitleLength);
        Assert.Null(catalog.Title(one));
        Assert.True(catalog.TryGet("s_2", out var two));
        Assert.Equal("Budi", catalog.ArtistName(two.Artist));
        Assert.True(catalog.TryGet("s_placeholder", out var placeholder));
        Assert.True(placeholder.IsPlaceholder);
        Assert.False(catalog.TryGet("s_3", out _));
    }

    // The same catalog as format 1 wrote it: 28-byte records (without the title's offset and length), no titles section.
    private static byte[] Format1(byte[] format2)
    {
        var header = format2.AsSpan(0, CompactCatalog.HeaderSize);
        var count = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
        var ids = BinaryPrimitives.ReadInt64LittleEndian(header[64..]);
        var titles = BinaryPrimitives.ReadInt64LittleEndian(header[120..]);
        var artists = BinaryPrimitives.ReadInt64LittleEndian(header[72..]);
        var body = new List<byte>();
        for (var i = 0; i < count; i++)
        {
            body.AddRange(format2.AsSpan(CompactCatalog.HeaderSize + (i * CompactCatalog.RecordSize), 28).ToArray());
        }

        body.AddRange(format2[(int)ids..(int)titles]);
        body.AddRange(format2[(int)artists..]);
        var v1 = new byte[CompactCatalog.HeaderSize + body.Count];
        header.CopyTo(v1);
        body.CopyTo(v1, CompactCatalog.HeaderSize);
        var h = v1.AsSpan(0, CompactCatalog.HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], 28);
        var shrunk = (long)count * (CompactCatalog.RecordSize - 28);
        BinaryPrimitives.WriteInt64LittleEndian(h[64..], ids - shrunk);
        foreach (var at in new[] { 72, 80, 88, 96 })
        {
            BinaryPrimitives.WriteInt64LittleEndian(h[at..], BinaryPrimitives.ReadInt64LittleEndian(h[at..]) - shrunk - (artists - titles));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(h[104..], XxHash3.HashToUInt64(v1.AsSpan(CompactCatalog.HeaderSize)));
        BinaryPrimitives.WriteInt64LittleEndian(h[112..], v1.Length);
        BinaryPrimitives.WriteInt64LittleEndian(h[120..], 0);
        return v1;
    }

    [Fact]
    public void WriteTo_ManySongs_EachFoundAndNoOther()
    {
        var writer = new CompactCatalogWriter();
        for (var i = 0; i < 50_000; i++)
        {
            writer.Add($"s_{i}", i % 10 == 0 ? null : Song($"Artist {i % 997}", $"Label {i % 13}", i % 3 == 0 ? ["ID"] : []));
        }

        using var catalog = Write(writer);

        Assert.Equal(50_000, catalog.Count);
        Assert.Equal(997, catalog.ArtistCount);
        for (var i = 0; i < 50_000; i++)
        {
            Assert.True(catalog.TryGet($"s_{i}", out var song), $"s_{i}");
            Assert.Equal(i % 10 == 0, song.IsPlaceholder);
            Assert.Equal(i % 10 == 0 ? null : $"Artist {i % 997}", catalog.ArtistName(song.Artist));
            Assert.Equal(i % 10 == 0 ? null : $"Title by Artist {i % 997}", catalog.Title(song));
            Assert.Equal(i % 10 == 0 || i % 3 != 0, catalog.IsPlayableIn(song.RegionSet, "MY"));
            Assert.False(catalog.TryGet($"s_{i}x", out _));
        }
    }

    [Fact]
    public void Open_DamagedOrTruncatedFile_IsRefused()
    {
        var writer = new CompactCatalogWriter();
        writer.Add("s_1", Song("Ana", "Label A", "ID"));
        writer.Add("s_2", Song("Budi", "Label B"));
        Write(writer).Dispose();
        var bytes = File.ReadAllBytes(_path);

        var damaged = (byte[])bytes.Clone();
        damaged[^3] ^= 0xFF;
        File.WriteAllBytes(_path, damaged);
        var checksum = Assert.Throws<InvalidDataException>(() => CompactCatalog.Open(_path));
        File.WriteAllBytes(_path, bytes[..^10]);
        var truncated = Assert.Throws<InvalidDataException>(() => CompactCatalog.Open(_path));
        File.WriteAllBytes(_path, [.. "NOTACATALOG"u8, .. new byte[200]]);
        var foreign = Assert.Throws<InvalidDataException>(() => CompactCatalog.Open(_path));

        Assert.Contains("checksum", checksum.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", truncated.Message, StringComparison.Ordinal);
        Assert.Contains("magic", foreign.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DeleteOnClose_FileGoesWithTheCatalog()
    {
        var writer = new CompactCatalogWriter();
        writer.Add("s_1", Song("Ana", "Label A"));
        Write(writer).Dispose();

        var catalog = CompactCatalog.Open(_path, deleteOnClose: true);
        Assert.True(catalog.TryGet("s_1", out _));
        catalog.Dispose();

        Assert.False(File.Exists(_path));
        Assert.Throws<ObjectDisposedException>(() => catalog.TryGet("s_1", out _));
    }

    [Fact]
    public void Empty_HasNoSong()
    {
        Assert.Equal(0, CompactCatalog.Empty.Count);
        Assert.False(CompactCatalog.Empty.TryGet("s_1", out _));
    }
}
