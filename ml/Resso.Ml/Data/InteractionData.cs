namespace Resso.Ml.Data;

/// <summary>
/// Implicit-feedback interactions between users and items with dense 0-based indices,
/// stored grouped by user (compressed sparse rows) with items ascending inside each user.
/// </summary>
/// <remarks>
/// Several data sets can share one pair of <see cref="IdMap"/>s (a train/test split does), so that
/// an index means the same user or item in each of them. A (user, item) pair occurs at most once;
/// repeated pairs are merged by adding their weights.
/// </remarks>
public sealed class InteractionData
{
    private readonly int[] _userOffsets;
    private readonly int[] _users;
    private readonly int[] _items;
    private readonly float[] _weights;
    private int[]? _itemCounts;

    private InteractionData(IdMap users, IdMap items, int[] userOffsets, int[] userIndices, int[] itemIndices, float[] weights)
    {
        Users = users;
        Items = items;
        _userOffsets = userOffsets;
        _users = userIndices;
        _items = itemIndices;
        _weights = weights;
    }

    /// <summary>The user id space.</summary>
    public IdMap Users { get; }

    /// <summary>The item id space.</summary>
    public IdMap Items { get; }

    /// <summary>The number of users in the id space (some may have no interaction here).</summary>
    public int UserCount => Users.Count;

    /// <summary>The number of items in the id space (some may have no interaction here).</summary>
    public int ItemCount => Items.Count;

    /// <summary>The number of distinct (user, item) interactions.</summary>
    public int Count => _items.Length;

    /// <summary>The user index of each interaction, ascending.</summary>
    public ReadOnlySpan<int> UserIndices => _users;

    /// <summary>The item index of each interaction, ascending within a user.</summary>
    public ReadOnlySpan<int> ItemIndices => _items;

    /// <summary>The weight of each interaction.</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>The items of <paramref name="user"/>, ascending.</summary>
    public ReadOnlySpan<int> ItemsOf(int user) =>
        _items.AsSpan(_userOffsets[user], _userOffsets[user + 1] - _userOffsets[user]);

    /// <summary>The weights of the items of <paramref name="user"/>, in the order of <see cref="ItemsOf"/>.</summary>
    public ReadOnlySpan<float> WeightsOf(int user) =>
        _weights.AsSpan(_userOffsets[user], _userOffsets[user + 1] - _userOffsets[user]);

    /// <summary>The number of interactions of <paramref name="user"/>.</summary>
    public int CountOf(int user) => _userOffsets[user + 1] - _userOffsets[user];

    /// <summary>Whether <paramref name="user"/> interacted with <paramref name="item"/>.</summary>
    public bool Contains(int user, int item) => ItemsOf(user).BinarySearch(item) >= 0;

    /// <summary>The number of users who interacted with each item (item popularity).</summary>
    public ReadOnlySpan<int> ItemCounts
    {
        get
        {
            if (_itemCounts is null)
            {
                var counts = new int[ItemCount];
                foreach (var item in _items)
                {
                    counts[item]++;
                }

                _itemCounts = counts;
            }

            return _itemCounts;
        }
    }

    /// <summary>
    /// Creates interaction data over the given id spaces. Pairs may come in any order; repeated
    /// (user, item) pairs are merged by adding their weights.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, an index is out of range, or a weight is negative or not finite.</exception>
    public static InteractionData Create(IdMap users, IdMap items, ReadOnlySpan<int> userIndices, ReadOnlySpan<int> itemIndices, ReadOnlySpan<float> weights)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        if (userIndices.Length != itemIndices.Length || userIndices.Length != weights.Length)
        {
            throw new ArgumentException("User indices, item indices and weights must have the same length.");
        }

        var n = userIndices.Length;
        var userOffsets = new int[users.Count + 1];
        for (var k = 0; k < n; k++)
        {
            var u = userIndices[k];
            var i = itemIndices[k];
            var w = weights[k];
            if ((uint)u >= (uint)users.Count)
            {
                throw new ArgumentException($"User index {u} at position {k} is outside [0, {users.Count}).", nameof(userIndices));
            }

            if ((uint)i >= (uint)items.Count)
            {
                throw new ArgumentException($"Item index {i} at position {k} is outside [0, {items.Count}).", nameof(itemIndices));
            }

            if (!float.IsFinite(w) || w < 0)
            {
                throw new ArgumentException($"Weight {w} at position {k} must be finite and non-negative.", nameof(weights));
            }

            userOffsets[u + 1]++;
        }

        for (var u = 0; u < users.Count; u++)
        {
            userOffsets[u + 1] += userOffsets[u];
        }

        // Counting sort by user, then sort items inside each user and merge repeats.
        var next = userOffsets[..^1];
        var sortedItems = new int[n];
        var sortedWeights = new float[n];
        for (var k = 0; k < n; k++)
        {
            var slot = next[userIndices[k]]++;
            sortedItems[slot] = itemIndices[k];
            sortedWeights[slot] = weights[k];
        }

        var outOffsets = new int[users.Count + 1];
        var write = 0;
        for (var u = 0; u < users.Count; u++)
        {
            var start = userOffsets[u];
            var length = userOffsets[u + 1] - start;
            var itemSpan = sortedItems.AsSpan(start, length);
            var weightSpan = sortedWeights.AsSpan(start, length);
            itemSpan.Sort(weightSpan);
            for (var k = 0; k < length; k++)
            {
                if (write > outOffsets[u] && sortedItems[write - 1] == itemSpan[k])
                {
                    sortedWeights[write - 1] += weightSpan[k];
                }
                else
                {
                    sortedItems[write] = itemSpan[k];
                    sortedWeights[write] = weightSpan[k];
                    write++;
                }
            }

            outOffsets[u + 1] = write;
        }

        var finalUsers = new int[write];
        for (var u = 0; u < users.Count; u++)
        {
            finalUsers.AsSpan(outOffsets[u], outOffsets[u + 1] - outOffsets[u]).Fill(u);
        }

        return new InteractionData(users, items, outOffsets, finalUsers, sortedItems[..write], sortedWeights[..write]);
    }
}
