using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Text;

namespace Resso.Shared.Catalog;

/// <summary>What ranking and display need of one song in a <see cref="CompactCatalog"/>: ids into its tables, no strings.</summary>
/// <param name="Artist">Index into the artist names (<see cref="CompactCatalog.ArtistName"/>); -1 when none.</param>
/// <param name="Label">Index into the label names (<see cref="CompactCatalog.LabelName"/>); -1 when none.</param>
/// <param name="RegionSet">Index into the region sets (<see cref="CompactCatalog.Regions"/>); -1 when playable everywhere.</param>
/// <param name="IsPlaceholder">The song was only seen in events and has no details.</param>
/// <param name="TitleOffset">Where the title's UTF-8 bytes start in the titles section (<see cref="CompactCatalog.Title"/>).</param>
/// <param name="TitleLength">The title's length in UTF-8 bytes; -1 when the snapshot has no title for the song (a placeholder, a title too long for it, or a snapshot of format 1).</param>
public readonly record struct CompactSong(int Artist, int Label, int RegionSet, bool IsPlaceholder, uint TitleOffset = 0, int TitleLength = -1);

/// <summary>
/// A read-only, memory-mapped snapshot of what ranking and listeners' answers need for every song of
/// the catalog: its title, artist and label as ids, the regions where the song may be played as a
/// set id, and whether it is a placeholder. Written by <see cref="CompactCatalogWriter"/>; the layout (little-endian) is
/// <list type="number">
/// <item>a 128-byte header: magic <c>RSSOCAT1</c>, format version, record size, sequence, the time
/// the catalog scan started (changes from then on are not in it), the counts, each section's
/// offset, an XxHash3 of everything after the header, and the file length;</item>
/// <item>fixed-size 36-byte records sorted by the XxHash3 of the song id's UTF-8 bytes: hash,
/// offset and length of the id, flags, artist, label, region set, offset and length of the title;</item>
/// <item>the song ids' UTF-8 bytes;</item>
/// <item>the titles' UTF-8 bytes (each song's found through its record, so that records stay fixed-size);</item>
/// <item>three string tables (artists, labels, regions): <c>count + 1</c> offsets, then UTF-8 bytes;</item>
/// <item>the region sets: <c>count + 1</c> offsets into a list of 16-bit region ids.</item>
/// </list>
/// A lookup is a binary search over the hashes and a comparison of the id's bytes: nothing of the
/// catalog is on the managed heap, and only the pages read are in memory. Thread-safe; a lookup
/// after <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>. Files of format 1
/// (28-byte records, no titles) are read too, with no title for any song, so that an instance
/// started before the roll-up republishes still loads the published snapshot.
/// </summary>
public sealed unsafe class CompactCatalog : IDisposable
{
    /// <summary>The first eight bytes of every file.</summary>
    public static ReadOnlySpan<byte> Magic => "RSSOCAT1"u8;

    /// <summary>The format version this reader reads.</summary>
    public const int FormatVersion = 2;

    /// <summary>The header's size in bytes.</summary>
    public const int HeaderSize = 128;

    /// <summary>The size of one song's record in bytes.</summary>
    public const int RecordSize = 36;

    // Format 1: the same records without the title's offset and length, and no titles section.
    private const int FormatVersion1 = 1, RecordSize1 = 28;

    /// <summary>A catalog with no song, before any snapshot is published.</summary>
    public static CompactCatalog Empty { get; } = new();

    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly long _records, _ids, _titles, _artists, _labels, _regions, _regionSets;
    private readonly int _recordSize = RecordSize;
    private readonly Dictionary<string, int> _regionIds = new(StringComparer.Ordinal);

    private CompactCatalog()
    {
    }

    private CompactCatalog(MemoryMappedFile file, MemoryMappedViewAccessor view, Microsoft.Win32.SafeHandles.SafeFileHandle fileHandle, long length)
    {
        (_file, _view) = (file, view);
        var header = new byte[HeaderSize];
        view.ReadArray(0, header, 0, HeaderSize);
        if (length < HeaderSize || !header.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a compact catalog: the magic bytes are wrong.");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        var recordSize = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
        if (!((version == FormatVersion && recordSize == RecordSize) || (version == FormatVersion1 && recordSize == RecordSize1)))
        {
            throw new InvalidDataException($"Compact catalog format {version} with {recordSize}-byte records; this reader reads format {FormatVersion} with {RecordSize}-byte records.");
        }

        _recordSize = recordSize;
        HasTitles = version >= FormatVersion;
        Sequence = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
        ChangesSince = new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(24)), TimeSpan.Zero);
        Count = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(32));
        ArtistCount = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(36));
        LabelCount = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(40));
        RegionCount = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(44));
        RegionSetCount = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(48));
        _records = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(56));
        _ids = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(64));
        _artists = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(72));
        _labels = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(80));
        _regions = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(88));
        _regionSets = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(96));
        _titles = HasTitles ? BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(120)) : _artists;
        var checksum = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(104));
        var declared = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(112));
        if (declared != length || _records != HeaderSize || _ids < _records + ((long)Count * _recordSize) || _titles < _ids || _artists < _titles || _regionSets > length)
        {
            throw new InvalidDataException($"Compact catalog of {length} bytes where its header says {declared}: truncated or damaged.");
        }

        // A download cut short or damaged in transit is refused rather than served. Read through the
        // file rather than the mapping, so that the pages checked do not all stay in this process's memory.
        if (Checksum(fileHandle, HeaderSize, length - HeaderSize) != checksum)
        {
            throw new InvalidDataException("Compact catalog checksum mismatch: damaged.");
        }

        for (var i = 0; i < RegionCount; i++)
        {
            _regionIds[ReadString(_regions, RegionCount, i)] = i;
        }
    }

    /// <summary>The snapshot's sequence, as its writer numbered it (a later snapshot has a larger one).</summary>
    public long Sequence { get; }

    /// <summary>When the catalog scan it was made from started: changes recorded from then on may not be in it.</summary>
    public DateTimeOffset ChangesSince { get; }

    /// <summary>Whether it holds titles (format 2 on); a snapshot of format 1 has none.</summary>
    public bool HasTitles { get; }

    /// <summary>Songs in it.</summary>
    public int Count { get; }

    /// <summary>Distinct artists.</summary>
    public int ArtistCount { get; }

    /// <summary>Distinct labels.</summary>
    public int LabelCount { get; }

    /// <summary>Distinct regions named by region sets.</summary>
    public int RegionCount { get; }

    /// <summary>Distinct sets of regions.</summary>
    public int RegionSetCount { get; }

    /// <summary>Maps a file written by <see cref="CompactCatalogWriter"/>; the file is deleted when this is disposed if <paramref name="deleteOnClose"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a compact catalog of this format, or is damaged.</exception>
    public static CompactCatalog Open(string path, bool deleteOnClose = false)
    {
        // The stream passes to the mapping (leaveOpen: false) and the mapping to the catalog, which disposes both; each is disposed here if a later step fails.
#pragma warning disable CA2000
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096, deleteOnClose ? FileOptions.DeleteOnClose : FileOptions.None);
        MemoryMappedFile file;
        try
        {
            if (stream.Length < HeaderSize)
            {
                throw new InvalidDataException($"Compact catalog of {stream.Length} bytes: shorter than its header.");
            }

            file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        MemoryMappedViewAccessor? view = null;
        try
        {
            view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new CompactCatalog(file, view, stream.SafeFileHandle, stream.Length);
        }
        catch
        {
            view?.Dispose();
            file.Dispose();
            throw;
        }
#pragma warning restore CA2000
    }

    /// <summary>The song's record, if the snapshot has it.</summary>
    public bool TryGet(string songId, out CompactSong song)
    {
        ArgumentNullException.ThrowIfNull(songId);
        song = default;
        if (Count == 0 || _view is null)
        {
            return false;
        }

        var max = Encoding.UTF8.GetMaxByteCount(songId.Length);
        Span<byte> key = max <= 256 ? stackalloc byte[256] : new byte[max];
        key = key[..Encoding.UTF8.GetBytes(songId, key)];
        var hash = XxHash3.HashToUInt64(key);
        var handle = _view.SafeMemoryMappedViewHandle;
        byte* start = null;
        handle.AcquirePointer(ref start);
        try
        {
            var records = start + _view.PointerOffset + _records;
            var (lo, hi, found) = (0, Count - 1, -1);
            while (lo <= hi)
            {
                var mid = lo + ((hi - lo) >> 1);
                var at = HashAt(records, mid);
                if (at < hash)
                {
                    lo = mid + 1;
                }
                else if (at > hash)
                {
                    hi = mid - 1;
                }
                else
                {
                    found = mid;
                    break;
                }
            }

            if (found < 0)
            {
                return false;
            }

            // Ids with the same hash are next to each other: the first of them, then each in turn.
            while (found > 0 && HashAt(records, found - 1) == hash)
            {
                found--;
            }

            var ids = start + _view.PointerOffset + _ids;
            for (var i = found; i < Count && HashAt(records, i) == hash; i++)
            {
                var record = new ReadOnlySpan<byte>(records + ((long)i * _recordSize), _recordSize);
                var offset = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
                var length = BinaryPrimitives.ReadUInt16LittleEndian(record[12..]);
                if (new ReadOnlySpan<byte>(ids + offset, length).SequenceEqual(key))
                {
                    var hasTitle = HasTitles && (record[14] & (CompactCatalogWriter.PlaceholderFlag | CompactCatalogWriter.NoTitleFlag)) == 0;
                    song = new CompactSong(
                        BinaryPrimitives.ReadInt32LittleEndian(record[16..]),
                        BinaryPrimitives.ReadInt32LittleEndian(record[20..]),
                        BinaryPrimitives.ReadInt32LittleEndian(record[24..]),
                        (record[14] & CompactCatalogWriter.PlaceholderFlag) != 0,
                        hasTitle ? BinaryPrimitives.ReadUInt32LittleEndian(record[28..]) : 0,
                        hasTitle ? BinaryPrimitives.ReadUInt16LittleEndian(record[32..]) : -1);
                    return true;
                }
            }

            return false;
        }
        finally
        {
            handle.ReleasePointer();
        }
    }

    /// <summary>The song's title (from <see cref="TryGet"/>); null when the snapshot has none for it (<see cref="CompactSong.TitleLength"/> -1).</summary>
    public string? Title(CompactSong song)
    {
        if (song.TitleLength < 0 || _view is null)
        {
            return null;
        }

        if (_titles + song.TitleOffset + song.TitleLength > _artists)
        {
            throw new InvalidDataException("Compact catalog title beyond its section: damaged.");
        }

        var handle = _view.SafeMemoryMappedViewHandle;
        byte* start = null;
        handle.AcquirePointer(ref start);
        try
        {
            return Encoding.UTF8.GetString(start + _view.PointerOffset + _titles + song.TitleOffset, song.TitleLength);
        }
        finally
        {
            handle.ReleasePointer();
        }
    }

    /// <summary>The artist's name; null for -1.</summary>
    public string? ArtistName(int artist) => artist < 0 ? null : ReadString(_artists, ArtistCount, artist);

    /// <summary>The label's name; null for -1.</summary>
    public string? LabelName(int label) => label < 0 ? null : ReadString(_labels, LabelCount, label);

    /// <summary>The regions of a set (ISO 3166-1 alpha-2); empty for -1 (everywhere).</summary>
    public IReadOnlyList<string> Regions(int regionSet)
    {
        if (regionSet < 0)
        {
            return [];
        }

        var ids = RegionIds(regionSet);
        var regions = new string[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            regions[i] = ReadString(_regions, RegionCount, ids[i]);
        }

        return regions;
    }

    /// <summary>Whether a song of <paramref name="regionSet"/> may be played in <paramref name="region"/>.</summary>
    public bool IsPlayableIn(int regionSet, string region) =>
        regionSet < 0 || (_regionIds.TryGetValue(region, out var id) && Array.IndexOf(RegionIds(regionSet), (ushort)id) >= 0);

    /// <inheritdoc />
    public void Dispose()
    {
        _view?.Dispose();
        _file?.Dispose();
    }

    private ulong HashAt(byte* records, int index) => BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(records + ((long)index * _recordSize), 8));

    private ushort[] RegionIds(int regionSet)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(regionSet, RegionSetCount);
        var from = _view!.ReadUInt32(_regionSets + (4L * regionSet));
        var to = _view.ReadUInt32(_regionSets + (4L * (regionSet + 1)));
        var items = _regionSets + (4L * (RegionSetCount + 1));
        var ids = new ushort[to - from];
        _view.ReadArray(items + (2L * from), ids, 0, ids.Length);
        return ids;
    }

    private string ReadString(long section, int count, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        var view = _view!;
        var from = view.ReadUInt32(section + (4L * index));
        var to = view.ReadUInt32(section + (4L * (index + 1)));
        var handle = view.SafeMemoryMappedViewHandle;
        byte* start = null;
        handle.AcquirePointer(ref start);
        try
        {
            return Encoding.UTF8.GetString(start + view.PointerOffset + section + (4L * (count + 1)) + from, (int)(to - from));
        }
        finally
        {
            handle.ReleasePointer();
        }
    }

    private static ulong Checksum(Microsoft.Win32.SafeHandles.SafeFileHandle file, long from, long length)
    {
        var hash = new XxHash3();
        var buffer = new byte[1 << 20];
        for (long done = 0; done < length;)
        {
            var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - done)), from + done);
            if (read == 0)
            {
                break;
            }

            hash.Append(buffer.AsSpan(0, read));
            done += read;
        }

        return hash.GetCurrentHashAsUInt64();
    }
}
