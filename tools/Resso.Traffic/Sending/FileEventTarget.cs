using System.Text.Json;
using Resso.Shared.Events;

namespace Resso.Traffic.Sending;

/// <summary>
/// Writes events as JSON lines (one compact camelCase event per line), in order. One batch at a
/// time: <see cref="MaxConcurrency"/> is 1.
/// </summary>
public sealed class FileEventTarget : IEventTarget, IAsyncDisposable
{
    private readonly Stream _stream;

    /// <summary>A target that writes to <paramref name="stream"/> and disposes it when disposed.</summary>
    public FileEventTarget(Stream stream, string description)
    {
        _stream = stream;
        Description = description;
    }

    /// <summary>A target that creates (or replaces) the file at <paramref name="path"/>.</summary>
    public FileEventTarget(string path)
    {
        var full = Path.GetFullPath(path);
        _stream = new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16, useAsync: true);
        Description = "file " + full;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public int MaxConcurrency => 1;

    /// <inheritdoc />
    public async Task<BatchResult> SendAsync(IReadOnlyList<SongUsedEvent> events, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        foreach (var e in events)
        {
            JsonSerializer.Serialize(buffer, e, EventJsonContext.Default.SongUsedEvent);
            buffer.WriteByte((byte)'\n');
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(_stream, cancellationToken);
        return new BatchResult(events.Count, 0, 0, null, null);
    }

    /// <summary>Flushes and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stream.FlushAsync();
        await _stream.DisposeAsync();
    }
}
