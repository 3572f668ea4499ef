using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Resso.Ml.Data;

namespace Resso.Ml.Model;

/// <summary>
/// Reads and writes <see cref="FactorModel"/>s in a compact binary format, and refuses data that is
/// truncated, corrupt or of an unknown version.
/// </summary>
/// <remarks>
/// Layout, little-endian:
/// <code>
/// "RSFM"            magic, 4 bytes
/// uint32 version    1
/// int32  d, users, items
/// float32[users·d]  user factors, row-major
/// float32[items·d]  item factors, row-major
/// float32[users]    user biases
/// float32[items]    item biases
/// users × (int32 byte length, UTF-8 id)
/// items × (int32 byte length, UTF-8 id)
/// byte[32]          SHA-256 of everything before it
/// </code>
/// </remarks>
public static class FactorModelSerializer
{
    /// <summary>The current format version.</summary>
    public const uint FormatVersion = 1;

    /// <summary>The largest model accepted when reading (2 GiB).</summary>
    public const long MaxModelBytes = int.MaxValue;

    private const int HashLength = 32;
    private const int HeaderLength = 4 + 4 + 12;
    private static ReadOnlySpan<byte> Magic => "RSFM"u8;

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/>.</summary>
    public static async Task WriteAsync(FactorModel model, Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var bytes = ToBytes(model);
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a model from <paramref name="stream"/> (to its end).</summary>
    /// <exception cref="InvalidDataException">The data is not a model, is truncated or corrupt, or of an unknown version.</exception>
    public static async Task<FactorModel> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxModelBytes)
            {
                throw new InvalidDataException($"Model data exceeds {MaxModelBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return FromBytes(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Writes <paramref name="model"/> to a file, replacing it only once the new content is complete.</summary>
    public static async Task SaveAsync(FactorModel model, string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await WriteAsync(model, stream, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a model file.</summary>
    /// <exception cref="InvalidDataException">The file is not a model, is truncated or corrupt, or of an unknown version.</exception>
    public static async Task<FactorModel> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        return await ReadAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a model file, leaving its item factors in the file: the file is memory-mapped and the item factors read in
    /// place (<see cref="FactorModel.ItemFactorsMapped"/>), so only the rows actually read take memory, in the page
    /// cache, not on the managed heap. Everything else is read into arrays as by <see cref="LoadAsync"/>. The file must
    /// not change while the model is in use.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a model, is truncated or corrupt, or of an unknown version.</exception>
    public static FactorModel LoadMapped(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Map(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read));
    }

    /// <summary>
    /// <see cref="LoadMapped(string)"/> of an open file, which it takes over (and closes once mapped: the mapping keeps
    /// the content, and a file opened with <see cref="FileOptions.DeleteOnClose"/> is gone once the model is).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a model, is truncated or corrupt, or of an unknown version.</exception>
    internal static FactorModel Map(FileStream file)
    {
        MappedFile mapped;
        try
        {
            // An empty file cannot be mapped; a big-endian machine could not read the floats in place.
            if (file.Length == 0 || !BitConverter.IsLittleEndian)
            {
                var bytes = new byte[file.Length <= MaxModelBytes ? file.Length : throw new InvalidDataException($"Model data exceeds {MaxModelBytes} bytes.")];
                file.Position = 0;
                file.ReadExactly(bytes);
                return FromBytes(bytes);
            }

            if (file.Length > MaxModelBytes)
            {
                throw new InvalidDataException($"Model data exceeds {MaxModelBytes} bytes.");
            }

            mapped = MappedFile.Map(file);
        }
        finally
        {
            // The mapping, if made, keeps the content; the handle is not needed any more.
            file.Dispose();
        }

        return Parse(mapped.Bytes, mapped);
    }

    /// <summary>The serialized form of <paramref name="model"/>.</summary>
    public static byte[] ToBytes(FactorModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var userIds = model.Users.Select(Encoding.UTF8.GetBytes).ToArray();
        var itemIds = model.Items.Select(Encoding.UTF8.GetBytes).ToArray();
        long length = HeaderLength
            + (4L * (model.UserFactors.Length + model.ItemFactors.Length + model.UserCount + model.ItemCount))
            + userIds.Sum(id => 4L + id.Length) + itemIds.Sum(id => 4L + id.Length) + HashLength;
        if (length > MaxModelBytes)
        {
            throw new InvalidOperationException($"The model needs {length} bytes, more than the format's {MaxModelBytes}.");
        }

        var bytes = new byte[length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        var offset = Magic.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], FormatVersion);
        offset += 4;
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], model.LatentDimension);
        BinaryPrimitives.WriteInt32LittleEndian(span[(offset + 4)..], model.UserCount);
        BinaryPrimitives.WriteInt32LittleEndian(span[(offset + 8)..], model.ItemCount);
        offset += 12;
        offset = WriteFloats(span, offset, model.UserFactors);
        offset = WriteFloats(span, offset, model.ItemFactors);
        offset = WriteFloats(span, offset, model.UserBiases);
        offset = WriteFloats(span, offset, model.ItemBiases);
        foreach (var id in userIds.Concat(itemIds))
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], id.Length);
            id.CopyTo(span[(offset + 4)..]);
            offset += 4 + id.Length;
        }

        SHA256.HashData(span[..offset], span[offset..]);
        return bytes;
    }

    /// <summary>Parses a serialized model.</summary>
    /// <exception cref="InvalidDataException">The data is not a model, is truncated or corrupt, or of an unknown version.</exception>
    public static FactorModel FromBytes(ReadOnlySpan<byte> data) => Parse(data, null);

    // Parses data; with itemFile (the file data spans), the item factors are left in it and read in place.
    private static FactorModel Parse(ReadOnlySpan<byte> data, MappedFile? itemFile)
    {
        if (data.Length < Magic.Length || !data[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a factor model: the data does not start with the 'RSFM' signature.");
        }

        if (data.Length < HeaderLength + HashLength)
        {
            throw new InvalidDataException($"Factor model data is truncated: {data.Length} bytes, less than the {HeaderLength + HashLength}-byte minimum.");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Factor model format version {version} is not supported (this reader knows version {FormatVersion}).");
        }

        var body = data[..^HashLength];
        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(body, hash);
        if (!hash.SequenceEqual(data[^HashLength..]))
        {
            throw new InvalidDataException("Factor model data is corrupt or truncated: its SHA-256 checksum does not match.");
        }

        var d = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        var users = BinaryPrimitives.ReadInt32LittleEndian(data[12..]);
        var items = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
        if (d < 1 || users < 0 || items < 0)
        {
            throw new InvalidDataException($"Factor model header is invalid: dimension {d}, {users} users, {items} items.");
        }

        var floats = ((long)users * d) + ((long)items * d) + users + items;
        if (HeaderLength + (4 * floats) + (4L * (users + items)) > body.Length)
        {
            throw new InvalidDataException("Factor model data is shorter than its header announces.");
        }

        var offset = HeaderLength;
        var userFactors = ReadFloats(body, ref offset, users * d);
        var itemFileOffset = offset;
        float[]? itemFactors = null;
        if (itemFile is null)
        {
            itemFactors = ReadFloats(body, ref offset, items * d);
        }
        else
        {
            offset += 4 * items * d;
        }

        var userBiases = ReadFloats(body, ref offset, users);
        var itemBiases = ReadFloats(body, ref offset, items);
        var userIds = ReadIds(body, ref offset, users);
        var itemIds = ReadIds(body, ref offset, items);
        if (offset != body.Length)
        {
            throw new InvalidDataException($"Factor model data has {body.Length - offset} unexpected bytes after the item ids.");
        }

        try
        {
            return itemFile is null
                ? new FactorModel(new IdMap(userIds), new IdMap(itemIds), d, userFactors, itemFactors!, userBiases, itemBiases)
                : new FactorModel(new IdMap(userIds), new IdMap(itemIds), d, userFactors, itemFile, itemFileOffset, userBiases, itemBiases);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidDataException($"Factor model content is invalid: {exception.Message}", exception);
        }
    }

    private static int WriteFloats(Span<byte> span, int offset, ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[offset..], value);
            offset += 4;
        }

        return offset;
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> body, ref int offset, int count)
    {
        var values = new float[count];
        for (var k = 0; k < count; k++)
        {
            values[k] = BinaryPrimitives.ReadSingleLittleEndian(body[offset..]);
            offset += 4;
        }

        return values;
    }

    private static string[] ReadIds(ReadOnlySpan<byte> body, ref int offset, int count)
    {
        var ids = new string[count];
        for (var k = 0; k < count; k++)
        {
            if (body.Length - offset < 4)
            {
                throw new InvalidDataException("Factor model data ends inside its id list.");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(body[offset..]);
            offset += 4;
            if (length < 1 || length > body.Length - offset)
            {
                throw new InvalidDataException($"Factor model id {k} has an invalid length {length}.");
            }

            ids[k] = Encoding.UTF8.GetString(body.Slice(offset, length));
            offset += length;
        }

        return ids;
    }
}
