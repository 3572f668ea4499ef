using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace Resso.Shared.Catalog;

/// <summary>
/// Writes a <see cref="CompactCatalog"/>: add every song once (<see cref="Add"/>), then
/// <see cref="WriteTo"/>. Holds, per song, a hash, the id's and title's bytes and six numbers (about
/// 48 bytes plus the id and title), and each distinct artist, label and region set once.
/// </summary>
public sealed class CompactCatalogWriter
{
    internal const byte PlaceholderFlag = 1;

    // A title longer than a record's 16-bit length, or beyond the 2 GiB of titles a writer holds:
    // readers read the song's title from the catalog table instead.
    internal const byte NoTitleFlag = 2;

    private readonly List<ulong> _hashes = [];
    private readonly List<Row> _rows = [];
    private readonly Strings _artists = new(), _labels = new(), _regions = new();
    private readonly Dictionary<string, int> _regionSets = new(StringComparer.Ordinal);
    private readonly List<uint> _regionSetStarts = [0];
    private readonly List<ushort> _regionSetItems = [];
    private byte[] _ids = new byte[1 << 16];
    private byte[] _titles = new byte[1 << 16];
    private long _idBytes, _titleBytes;

    private readonly record struct Row(uint IdOffset, ushort IdLength, byte Flags, int Artist, int Label, int RegionSet, uint TitleOffset, ushort TitleLength);

    /// <summary>Songs added.</summary>
    public int Count => _rows.Count;

    /// <summary>Adds a song: <paramref name="details"/> null for a placeholder. Each song once.</summary>
    public void Add(string songId, SongDetails? details)
    {
        ArgumentException.ThrowIfNullOrEmpty(songId);
        var length = Encoding.UTF8.GetByteCount(songId);
        if (length > ushort.MaxValue || _idBytes + length > Array.MaxLength)
        {
            throw new InvalidOperationException("Song ids beyond what a compact catalog holds (64 KiB each, 2 GiB in all).");
        }

        if (_idBytes + length > _ids.Length)
        {
            Array.Resize(ref _ids, (int)Math.Min(Array.MaxLength, Math.Max(_ids.Length * 2L, _idBytes + length)));
        }

        var span = _ids.AsSpan((int)_idBytes, length);
        Encoding.UTF8.GetBytes(songId, span);
        _hashes.Add(XxHash3.HashToUInt64(span));
        if (details is null)
        {
            _rows.Add(new Row((uint)_idBytes, (ushort)length, PlaceholderFlag, -1, -1, -1, 0, 0));
        }
        else
        {
            var (flags, titleOffset, titleLength) = AddTitle(details.Title);
            _rows.Add(new Row((uint)_idBytes, (ushort)length, flags, _artists.Id(details.Artist), _labels.Id(details.Label), RegionSet(details.Regions), titleOffset, titleLength));
        }

        _idBytes += length;
    }

    /// <summary>
    /// Writes the catalog to a seekable stream (from its current position on); a
    /// <see cref="FileStream"/> buffers the many small writes.
    /// </summary>
    /// <param name="stream">Where to, seekable (the header, written last, holds the checksum of what follows it).</param>
    /// <param name="sequence">The snapshot's number: larger than the one it replaces.</param>
    /// <param name="changesSince">When the scan of the catalog it holds started.</param>
    public void WriteTo(Stream stream, long sequence, DateTimeOffset changesSince)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable.", nameof(stream));
        }

        var start = stream.Position;
        var count = _rows.Count;
        var hashes = CollectionsMarshal.AsSpan(_hashes).ToArray();
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        Array.Sort(hashes, order);
        var rows = CollectionsMarshal.AsSpan(_rows);
        var checksum = new XxHash3();
        // The header is written last, over these zeros, once the checksum of what follows is known.
        stream.Write(new byte[CompactCatalog.HeaderSize]);
        var position = (long)CompactCatalog.HeaderSize;

        void Write(ReadOnlySpan<byte> bytes)
        {
            stream.Write(bytes);
            checksum.Append(bytes);
            position += bytes.Length;
        }

        var records = position;
        Span<byte> record = stackalloc byte[CompactCatalog.RecordSize];
        for (var i = 0; i < count; i++)
        {
            var row = rows[order[i]];
            record.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(record, hashes[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], row.IdOffset);
            BinaryPrimitives.WriteUInt16LittleEndian(record[12..], row.IdLength);
            record[14] = row.Flags;
            BinaryPrimitives.WriteInt32LittleEndian(record[16..], row.Artist);
            BinaryPrimitives.WriteInt32LittleEndian(record[20..], row.Label);
            BinaryPrimitives.WriteInt32LittleEndian(record[24..], row.RegionSet);
            BinaryPrimitives.WriteUInt32LittleEndian(record[28..], row.TitleOffset);
            BinaryPrimitives.WriteUInt16LittleEndian(record[32..], row.TitleLength);
            Write(record);
        }

        var ids = position;
        Write(_ids.AsSpan(0, (int)_idBytes));
        var titles = position;
        Write(_titles.AsSpan(0, (int)_titleBytes));
        var artists = position;
        _artists.Write(Write);
        var labels = position;
        _labels.Write(Write);
        var regions = position;
        _regions.Write(Write);
        var regionSets = position;
        Span<byte> number = stackalloc byte[4];
        foreach (var at in _regionSetStarts)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(number, at);
            Write(number);
        }

        foreach (var region in _regionSetItems)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(number, region);
            Write(number[..2]);
        }

        var header = new byte[CompactCatalog.HeaderSize];
        var h = header.AsSpan();
        CompactCatalog.Magic.CopyTo(h);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], CompactCatalog.FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], CompactCatalog.RecordSize);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(h[24..], changesSince.UtcTicks);
        BinaryPrimitives.WriteInt32LittleEndian(h[32..], count);
        BinaryPrimitives.WriteInt32LittleEndian(h[36..], _artists.Count);
        BinaryPrimitives.WriteInt32LittleEndian(h[40..], _labels.Count);
        BinaryPrimitives.WriteInt32LittleEndian(h[44..], _regions.Count);
        BinaryPrimitives.WriteInt32LittleEndian(h[48..], _regionSetStarts.Count - 1);
        BinaryPrimitives.WriteInt64LittleEndian(h[56..], records);
        BinaryPrimitives.WriteInt64LittleEndian(h[64..], ids);
        BinaryPrimitives.WriteInt64LittleEndian(h[72..], artists);
        BinaryPrimitives.WriteInt64LittleEndian(h[80..], labels);
        BinaryPrimitives.WriteInt64LittleEndian(h[88..], regions);
        BinaryPrimitives.WriteInt64LittleEndian(h[96..], regionSets);
        BinaryPrimitives.WriteUInt64LittleEndian(h[104..], checksum.GetCurrentHashAsUInt64());
        BinaryPrimitives.WriteInt64LittleEndian(h[112..], position);
        BinaryPrimitives.WriteInt64LittleEndian(h[120..], titles);
        stream.Position = start;
        stream.Write(header);
        stream.Position = start + position;
        stream.Flush();
    }

    // The title's bytes at the end of the titles; none (NoTitleFlag) when it does not fit.
    private (byte Flags, uint Offset, ushort Length) AddTitle(string? title)
    {
        title ??= "";
        var length = Encoding.UTF8.GetByteCount(title);
        if (length > ushort.MaxValue || _titleBytes + length > Array.MaxLength)
        {
            return (NoTitleFlag, 0, 0);
        }

        if (_titleBytes + length > _titles.Length)
        {
            Array.Resize(ref _titles, (int)Math.Min(Array.MaxLength, Math.Max(_titles.Length * 2L, _titleBytes + length)));
        }

        Encoding.UTF8.GetBytes(title, _titles.AsSpan((int)_titleBytes, length));
        var offset = (uint)_titleBytes;
        _titleBytes += length;
        return (0, offset, (ushort)length);
    }

    // Region lists as given are sets: the same regions in another order or repeated are the same set.
    private int RegionSet(IReadOnlyList<string> regions)
    {
        if (regions.Count == 0)
        {
            return -1;
        }

        var sorted = regions.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var key = string.Join(',', sorted);
        if (!_regionSets.TryGetValue(key, out var id))
        {
            id = _regionSets[key] = _regionSetStarts.Count - 1;
            foreach (var region in sorted)
            {
                var regionId = _regions.Id(region);
                if (regionId > ushort.MaxValue)
                {
                    throw new InvalidOperationException("More distinct regions than a compact catalog holds (65,536).");
                }

                _regionSetItems.Add((ushort)regionId);
            }

            _regionSetStarts.Add((uint)_regionSetItems.Count);
        }

        return id;
    }

    // Distinct strings in the order first added.
    private sealed class Strings
    {
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly List<string> _values = [];

        public int Count => _values.Count;

        public int Id(string value)
        {
            if (!_ids.TryGetValue(value, out var id))
            {
                id = _ids[value] = _values.Count;
                _values.Add(value);
            }

            return id;
        }

        public void Write(WriteBytes write)
        {
            Span<byte> number = stackalloc byte[4];
            uint at = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(number, at);
            write(number);
            foreach (var value in _values)
            {
                at += (uint)Encoding.UTF8.GetByteCount(value);
                BinaryPrimitives.WriteUInt32LittleEndian(number, at);
                write(number);
            }

            foreach (var value in _values)
            {
                write(Encoding.UTF8.GetBytes(value));
            }
        }
    }

    private delegate void WriteBytes(ReadOnlySpan<byte> bytes);
}
