using System.Numerics;

namespace Resso.Ml.Scoring;

/// <summary>A fixed-size set of item indices (one bit per item): exclusions, or allowed items such as those available in a region.</summary>
public sealed class ItemBitSet
{
    private readonly ulong[] _words;

    /// <summary>Creates an empty set over items [0, <paramref name="capacity"/>).</summary>
    public ItemBitSet(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _words = new ulong[(capacity + 63) >> 6];
    }

    /// <summary>Creates a set holding <paramref name="items"/>.</summary>
    public ItemBitSet(int capacity, ReadOnlySpan<int> items)
        : this(capacity)
    {
        foreach (var item in items)
        {
            Add(item);
        }
    }

    /// <summary>The number of items the set ranges over.</summary>
    public int Capacity { get; }

    /// <summary>The number of items in the set.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var word in _words)
            {
                count += BitOperations.PopCount(word);
            }

            return count;
        }
    }

    /// <summary>Adds <paramref name="item"/>.</summary>
    public void Add(int item)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)item, (uint)Capacity, nameof(item));
        _words[item >> 6] |= 1UL << item;
    }

    /// <summary>Removes <paramref name="item"/>.</summary>
    public void Remove(int item)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)item, (uint)Capacity, nameof(item));
        _words[item >> 6] &= ~(1UL << item);
    }

    /// <summary>Removes every item.</summary>
    public void Clear() => Array.Clear(_words);

    /// <summary>Whether <paramref name="item"/> is in the set; false for indices outside the capacity.</summary>
    public bool Contains(int item) => (uint)item < (uint)Capacity && (_words[item >> 6] & (1UL << item)) != 0;
}
