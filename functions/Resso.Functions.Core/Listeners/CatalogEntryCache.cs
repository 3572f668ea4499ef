using Resso.Shared.Ingestion;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// Full catalog entries of the songs an instance serves, least recently used first out, bounded in
/// entries and in approximate bytes (<see cref="SizeOf"/>). A song the catalog does not have is
/// kept as null, so that it is not read again at every answer. Thread-safe.
/// </summary>
public sealed class CatalogEntryCache(int maxEntries, long maxBytes)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Item>> _items = new(StringComparer.Ordinal);
    // Most recently used first.
    private readonly LinkedList<Item> _order = new();
    private long _bytes;
    private long _epoch;

    private readonly record struct Item(string SongId, CatalogEntry? Entry, long Bytes);

    /// <summary>Entries held.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Approximate bytes held.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// Moves at each <see cref="Remove"/> and <see cref="Clear"/>: take it before a read from storage
    /// and pass it to <see cref="TryFill"/>, so that an entry read before a change is not kept after it.
    /// </summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>The entry (null: the catalog did not have the song) if held, now the most recently used.</summary>
    public bool TryGet(string songId, out CatalogEntry? entry)
    {
        lock (_gate)
        {
            if (_items.TryGetValue(songId, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                entry = node.Value.Entry;
                return true;
            }
        }

        entry = null;
        return false;
    }

    /// <summary>Keeps an entry read from storage, unless the cache changed (<see cref="Epoch"/>) since the read started.</summary>
    /// <returns>True when kept.</returns>
    public bool TryFill(string songId, CatalogEntry? entry, long epoch)
    {
        lock (_gate)
        {
            if (_epoch != epoch)
            {
                return false;
            }

            Put(songId, entry);
            return true;
        }
    }

    /// <summary>Keeps an entry known to be current (read after the change that made it).</summary>
    public void Set(string songId, CatalogEntry? entry)
    {
        lock (_gate)
        {
            Put(songId, entry);
        }
    }

    /// <summary>Forgets a song.</summary>
    public void Remove(string songId)
    {
        lock (_gate)
        {
            _epoch++;
            if (_items.Remove(songId, out var node))
            {
                _order.Remove(node);
                _bytes -= node.Value.Bytes;
            }
        }
    }

    /// <summary>Forgets every song (after a roll-up rewrote every song's segment and neighbours).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _epoch++;
            _items.Clear();
            _order.Clear();
            _bytes = 0;
        }
    }

    /// <summary>
    /// About what an entry costs on the heap: each string at 22 bytes plus two a character, each
    /// object at 24 to 64 bytes, and the cache's own node and dictionary slot.
    /// </summary>
    public static long SizeOf(string songId, CatalogEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(songId);
        static long Text(string? s) => s is null ? 0 : 22 + (2L * s.Length);
        var size = 120 + Text(songId);
        if (entry is null)
        {
            return size;
        }

        size += 48 + Text(entry.SongId);
        if (entry.Details is { } details)
        {
            size += 56 + Text(details.Title) + Text(details.Artist) + Text(details.Label) + 24 + (8L * details.Regions.Count) + details.Regions.Sum(Text);
        }

        if (entry.TopSegment is not null)
        {
            size += 32;
        }

        if (entry.Neighbours is { } neighbours)
        {
            size += 56 + (16L * neighbours.Count) + neighbours.Sum(n => Text(n.Key));
        }

        return size;
    }

    // Under _gate.
    private void Put(string songId, CatalogEntry? entry)
    {
        if (_items.Remove(songId, out var old))
        {
            _order.Remove(old);
            _bytes -= old.Value.Bytes;
        }

        var item = new Item(songId, entry, SizeOf(songId, entry));
        _items[songId] = _order.AddFirst(item);
        _bytes += item.Bytes;
        while (_order.Count > 1 && (_items.Count > maxEntries || _bytes > maxBytes))
        {
            var last = _order.Last!;
            _order.RemoveLast();
            _items.Remove(last.Value.SongId);
            _bytes -= last.Value.Bytes;
        }
    }
}
