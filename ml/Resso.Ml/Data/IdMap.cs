using System.Collections;

namespace Resso.Ml.Data;

/// <summary>
/// An immutable, ordered map between string ids (users or items) and dense 0-based indices.
/// </summary>
/// <remarks>
/// Index <c>i</c> is the position of the id in the sequence the map was created from, so a map
/// built from an older map's ids followed by new ids keeps every old index (see <see cref="IsPrefixOf"/>),
/// which is what makes a warm start of training possible.
/// </remarks>
public sealed class IdMap : IReadOnlyList<string>
{
    private readonly string[] _ids;
    private readonly Dictionary<string, int> _indices;

    /// <summary>Creates a map whose indices follow the order of <paramref name="ids"/>.</summary>
    /// <param name="ids">Distinct, non-empty ids.</param>
    /// <exception cref="ArgumentException">An id is null, empty or repeated.</exception>
    public IdMap(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        _ids = [.. ids];
        _indices = new Dictionary<string, int>(_ids.Length, StringComparer.Ordinal);
        for (var i = 0; i < _ids.Length; i++)
        {
            var id = _ids[i];
            if (string.IsNullOrEmpty(id))
            {
                throw new ArgumentException($"Id at position {i} is null or empty.", nameof(ids));
            }

            if (!_indices.TryAdd(id, i))
            {
                throw new ArgumentException($"Id '{id}' occurs more than once.", nameof(ids));
            }
        }
    }

    /// <summary>An empty map.</summary>
    public static IdMap Empty { get; } = new([]);

    /// <summary>The number of ids.</summary>
    public int Count => _ids.Length;

    /// <summary>The id at <paramref name="index"/>.</summary>
    public string this[int index] => _ids[index];

    /// <summary>Looks up the index of <paramref name="id"/>.</summary>
    public bool TryGetIndex(string id, out int index) => _indices.TryGetValue(id, out index);

    /// <summary>The index of <paramref name="id"/>, or -1 when it is not in the map.</summary>
    public int IndexOf(string id) => _indices.TryGetValue(id, out var index) ? index : -1;

    /// <summary>
    /// Whether every id of this map has the same index in <paramref name="other"/>, that is whether
    /// <paramref name="other"/> starts with this map's ids in the same order.
    /// </summary>
    public bool IsPrefixOf(IdMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count < Count)
        {
            return false;
        }

        for (var i = 0; i < _ids.Length; i++)
        {
            if (!string.Equals(_ids[i], other._ids[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_ids).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _ids.GetEnumerator();
}
