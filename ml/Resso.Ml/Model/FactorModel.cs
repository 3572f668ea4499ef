using System.Numerics.Tensors;
using Resso.Ml.Data;
using Resso.Ml.Scoring;

namespace Resso.Ml.Model;

/// <summary>
/// A trained matrix-factorization model: user and item vectors in contiguous row-major arrays,
/// biases, and the id maps. The score of user u for item i is
/// <c>userBias[u] + itemBias[i] + ⟨userVector(u), itemVector(i)⟩</c>.
/// </summary>
/// <remarks>
/// Immutable once created; safe to share between threads. The item factors are either an array or read in place from
/// a memory-mapped model file (<see cref="FactorModelSerializer.LoadMapped(string)"/>), so that a serving instance does
/// not hold a float copy of a large catalog on its heap. A span over mapped factors gives the GC no reference to the
/// model: code that reads <see cref="ItemFactors"/> or <see cref="ItemVector"/> keeps the model reachable until its
/// last read (<see cref="GC.KeepAlive(object?)"/>), because an unreachable model's mapping is unmapped by its finalizer.
/// </remarks>
public sealed class FactorModel
{
    private readonly float[] _userFactors;
    private readonly float[]? _itemFactors;
    private readonly MappedFile? _itemFile;
    private readonly long _itemFileOffset;
    private readonly int _itemFactorCount;
    private readonly float[] _userBiases;
    private readonly float[] _itemBiases;
    private float[]? _itemNorms;
    private QuantizedItemFactors? _quantizedItems;
    private object? _quantizedLock;

    /// <summary>Creates a model. The arrays are owned by the model from then on.</summary>
    /// <param name="users">User id space; row u of <paramref name="userFactors"/> belongs to <c>users[u]</c>.</param>
    /// <param name="items">Item id space; row i of <paramref name="itemFactors"/> belongs to <c>items[i]</c>.</param>
    /// <param name="latentDimension">Length of every vector.</param>
    /// <param name="userFactors">users.Count × latentDimension, row-major.</param>
    /// <param name="itemFactors">items.Count × latentDimension, row-major.</param>
    /// <param name="userBiases">One per user.</param>
    /// <param name="itemBiases">One per item.</param>
    /// <exception cref="ArgumentException">A length does not match, or a value is not finite.</exception>
    public FactorModel(IdMap users, IdMap items, int latentDimension, float[] userFactors, float[] itemFactors, float[] userBiases, float[] itemBiases)
        : this(users, items, latentDimension, userFactors, itemFactors ?? throw new ArgumentNullException(nameof(itemFactors)), null, 0, userBiases, itemBiases)
    {
    }

    /// <summary>Creates a model whose item factors are read in place from <paramref name="itemFile"/>, starting at <paramref name="itemFileOffset"/>.</summary>
    internal FactorModel(IdMap users, IdMap items, int latentDimension, float[] userFactors, MappedFile itemFile, long itemFileOffset, float[] userBiases, float[] itemBiases)
        : this(users, items, latentDimension, userFactors, null, itemFile ?? throw new ArgumentNullException(nameof(itemFile)), itemFileOffset, userBiases, itemBiases)
    {
    }

    private FactorModel(IdMap users, IdMap items, int latentDimension, float[] userFactors, float[]? itemFactors, MappedFile? itemFile, long itemFileOffset,
        float[] userBiases, float[] itemBiases)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(userFactors);
        ArgumentNullException.ThrowIfNull(userBiases);
        ArgumentNullException.ThrowIfNull(itemBiases);
        ArgumentOutOfRangeException.ThrowIfLessThan(latentDimension, 1);
        if (userFactors.LongLength != (long)users.Count * latentDimension || userBiases.Length != users.Count)
        {
            throw new ArgumentException("User factors must be users × latentDimension and user biases one per user.", nameof(userFactors));
        }

        var itemFactorCount = (long)items.Count * latentDimension;
        if (itemFactorCount > int.MaxValue || (itemFactors is not null && itemFactors.LongLength != itemFactorCount) || itemBiases.Length != items.Count)
        {
            throw new ArgumentException("Item factors must be items × latentDimension and item biases one per item.", nameof(itemFactors));
        }

        _itemFactors = itemFactors;
        _itemFile = itemFile;
        _itemFileOffset = itemFileOffset;
        _itemFactorCount = (int)itemFactorCount;

        // Also reads mapped factors once: the pages stay in the page cache only while the OS has room for them.
        if (!AllFinite(userFactors) || !AllFinite(ItemFactors) || !AllFinite(userBiases) || !AllFinite(itemBiases))
        {
            throw new ArgumentException("Model values must be finite numbers.", nameof(userFactors));
        }

        Users = users;
        Items = items;
        LatentDimension = latentDimension;
        _userFactors = userFactors;
        _userBiases = userBiases;
        _itemBiases = itemBiases;
    }

    /// <summary>
    /// A copy without user <paramref name="user"/>: its id, vector and bias gone, later users one index
    /// lower. Songs are untouched. (Nothing stored with a version refers to users by index.)
    /// </summary>
    public FactorModel WithoutUser(int user)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(user);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(user, UserCount);
        var d = LatentDimension;
        var factors = new float[(UserCount - 1) * d];
        _userFactors.AsSpan(0, user * d).CopyTo(factors);
        _userFactors.AsSpan((user + 1) * d).CopyTo(factors.AsSpan(user * d));
        var biases = new float[UserCount - 1];
        _userBiases.AsSpan(0, user).CopyTo(biases);
        _userBiases.AsSpan(user + 1).CopyTo(biases.AsSpan(user));
        return new FactorModel(new IdMap(Users.Where((_, i) => i != user)), Items, d, factors, _itemFactors, _itemFile, _itemFileOffset, biases, _itemBiases);
    }

    /// <summary>The user id space.</summary>
    public IdMap Users { get; }

    /// <summary>The item id space.</summary>
    public IdMap Items { get; }

    /// <summary>Length of every user and item vector.</summary>
    public int LatentDimension { get; }

    /// <summary>The number of users.</summary>
    public int UserCount => Users.Count;

    /// <summary>The number of items.</summary>
    public int ItemCount => Items.Count;

    /// <summary>All user vectors, row-major (UserCount × LatentDimension).</summary>
    public ReadOnlySpan<float> UserFactors => _userFactors;

    /// <summary>All item vectors, row-major (ItemCount × LatentDimension); keep the model reachable while reading them.</summary>
    public ReadOnlySpan<float> ItemFactors => _itemFactors ?? _itemFile!.Floats(_itemFileOffset, _itemFactorCount);

    /// <summary>Whether the item factors are read in place from a memory-mapped file rather than held in an array.</summary>
    public bool ItemFactorsMapped => _itemFile is not null;

    /// <summary>The mapped file the item factors are read from, if they are.</summary>
    internal MappedFile? ItemFile => _itemFile;

    /// <summary>One bias per user (constant for a user's ranking; kept so that scores are the trained model's).</summary>
    public ReadOnlySpan<float> UserBiases => _userBiases;

    /// <summary>One bias per item.</summary>
    public ReadOnlySpan<float> ItemBiases => _itemBiases;

    /// <summary>The vector of <paramref name="user"/>.</summary>
    public ReadOnlySpan<float> UserVector(int user) => _userFactors.AsSpan(user * LatentDimension, LatentDimension);

    /// <summary>The vector of <paramref name="item"/>; keep the model reachable while reading it.</summary>
    public ReadOnlySpan<float> ItemVector(int item) => ItemFactors.Slice(item * LatentDimension, LatentDimension);

    /// <summary>The model's score of <paramref name="item"/> for <paramref name="user"/>.</summary>
    public float Score(int user, int item)
    {
        var score = _userBiases[user] + _itemBiases[item] + TensorPrimitives.Dot(UserVector(user), ItemVector(item));
        GC.KeepAlive(this);
        return score;
    }

    /// <summary>The Euclidean norm of every item vector (computed once).</summary>
    internal ReadOnlySpan<float> ItemNorms
    {
        get
        {
            if (_itemNorms is null)
            {
                var norms = new float[ItemCount];
                for (var i = 0; i < norms.Length; i++)
                {
                    norms[i] = TensorPrimitives.Norm(ItemVector(i));
                }

                _itemNorms = norms;
            }

            return _itemNorms;
        }
    }

    /// <summary>The 8-bit copy of the item factors that <see cref="TopKScorer.Recommend"/> ranks with (built once, on first use).</summary>
    internal QuantizedItemFactors QuantizedItems =>
        LazyInitializer.EnsureInitialized(ref _quantizedItems, ref _quantizedLock, () => QuantizedItemFactors.Create(this));

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }
}
