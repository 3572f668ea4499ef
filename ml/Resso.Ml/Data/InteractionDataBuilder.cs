namespace Resso.Ml.Data;

/// <summary>
/// Collects (user id, item id, weight) interactions and assigns dense indices in order of first appearance.
/// </summary>
/// <remarks>
/// Start from the id maps of an existing model to keep its indices: new ids are appended after them,
/// so the model's id spaces stay a prefix of the new ones and training can warm-start.
/// </remarks>
public sealed class InteractionDataBuilder
{
    private readonly List<string> _userIds = [];
    private readonly List<string> _itemIds = [];
    private readonly Dictionary<string, int> _userIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _itemIndex = new(StringComparer.Ordinal);
    private readonly List<int> _users = [];
    private readonly List<int> _items = [];
    private readonly List<float> _weights = [];

    /// <summary>Creates an empty builder.</summary>
    public InteractionDataBuilder()
    {
    }

    /// <summary>Creates a builder whose id spaces start with the given ids, in order.</summary>
    public InteractionDataBuilder(IEnumerable<string> knownUserIds, IEnumerable<string> knownItemIds)
    {
        ArgumentNullException.ThrowIfNull(knownUserIds);
        ArgumentNullException.ThrowIfNull(knownItemIds);
        foreach (var id in knownUserIds)
        {
            AddUser(id);
        }

        foreach (var id in knownItemIds)
        {
            AddItem(id);
        }
    }

    /// <summary>The number of interactions added so far (before merging repeats).</summary>
    public int Count => _items.Count;

    /// <summary>Adds the user to the id space (if new) and returns its index.</summary>
    public int AddUser(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (!_userIndex.TryGetValue(userId, out var index))
        {
            index = _userIds.Count;
            _userIndex.Add(userId, index);
            _userIds.Add(userId);
        }

        return index;
    }

    /// <summary>Adds the item to the id space (if new) and returns its index.</summary>
    public int AddItem(string itemId)
    {
        ArgumentException.ThrowIfNullOrEmpty(itemId);
        if (!_itemIndex.TryGetValue(itemId, out var index))
        {
            index = _itemIds.Count;
            _itemIndex.Add(itemId, index);
            _itemIds.Add(itemId);
        }

        return index;
    }

    /// <summary>Adds one interaction; a repeated (user, item) pair adds to the weight.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The weight is negative or not finite.</exception>
    public InteractionDataBuilder Add(string userId, string itemId, float weight = 1f)
    {
        if (!float.IsFinite(weight) || weight < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "Weight must be finite and non-negative.");
        }

        _users.Add(AddUser(userId));
        _items.Add(AddItem(itemId));
        _weights.Add(weight);
        return this;
    }

    /// <summary>Builds the interaction data.</summary>
    public InteractionData Build() =>
        InteractionData.Create(new IdMap(_userIds), new IdMap(_itemIds),
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_users),
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_items),
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_weights));
}
