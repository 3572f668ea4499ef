using System.IO.MemoryMappedFiles;

namespace Resso.Ml.Model;

/// <summary>
/// A file mapped read-only into the address space and read in place. Its pages live in the OS page cache, loaded when
/// first touched; they are clean (backed by the file), so under memory pressure the OS drops the cold ones instead of
/// failing, and none of them is on the managed heap.
/// </summary>
/// <remarks>
/// The view is unmapped only when this object is unreachable (by the finalizer of the view's SafeHandle), never
/// explicitly: a model swapped out may still be read by a request that took it before the swap. A span over the view
/// holds no reference the GC sees, so a method reading through one keeps the owner (the <see cref="FactorModel"/>)
/// reachable until its last read, with <see cref="GC.KeepAlive(object?)"/>.
/// </remarks>
internal sealed unsafe class MappedFile
{
    // Holds the view's SafeHandle, whose finalizer unmaps it.
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _first;

    private MappedFile(MemoryMappedViewAccessor view, long length)
    {
        _view = view;
        _first = (byte*)view.SafeMemoryMappedViewHandle.DangerousGetHandle() + view.PointerOffset;
        Length = length;

        // The GC does not see the mapping: told of it, it collects a swapped-out model (and so unmaps it and lets its
        // file go) soon after the next load, rather than whenever the small managed heap next needs a full collection.
        GC.AddMemoryPressure(length);
    }

    /// <summary>Takes back the memory pressure; the view's own SafeHandle unmaps it.</summary>
    ~MappedFile() => GC.RemoveMemoryPressure(Length);

    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    /// <summary>The whole file.</summary>
    /// <exception cref="InvalidOperationException">The file is longer than a span can be.</exception>
    public ReadOnlySpan<byte> Bytes => Length <= int.MaxValue
        ? new ReadOnlySpan<byte>(_first, (int)Length)
        : throw new InvalidOperationException($"The file has {Length} bytes, more than a span holds.");

    /// <summary>Maps <paramref name="file"/> (not empty) read-only, and closes it: the view keeps the content.</summary>
    /// <remarks>
    /// A file opened with <see cref="FileOptions.DeleteOnClose"/> is thereby removed from the directory at once on Linux
    /// (the mapping keeps its pages) and when the view is unmapped on Windows; either way nothing is left behind, even
    /// when the process dies.
    /// </remarks>
    public static MappedFile Map(FileStream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var length = file.Length;
        using var mapping = MemoryMappedFile.CreateFromFile(file, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        return new MappedFile(mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read), length);
    }

    /// <summary><paramref name="count"/> little-endian floats starting <paramref name="byteOffset"/> bytes into the file.</summary>
    public ReadOnlySpan<float> Floats(long byteOffset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(byteOffset + (4L * count), Length, nameof(count));
        return new ReadOnlySpan<float>(_first + byteOffset, count);
    }

    /// <summary>Whether the view is mapped (it stays so for as long as this object is reachable).</summary>
    internal bool IsMapped => !_view.SafeMemoryMappedViewHandle.IsClosed;
}
