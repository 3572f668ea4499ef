using System.Numerics.Tensors;
using Resso.Ml.Model;

namespace Resso.Ml.Scoring;

/// <summary>
/// Ranks all items of a <see cref="FactorModel"/> for a user vector: SIMD dot products over the contiguous
/// item factors in blocks, and a bounded heap for the top K. No ML.NET call per item.
/// </summary>
public static class TopKScorer
{
    private const int BlockSize = 1024;

    /// <summary>The best items for a trained user of the model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="user">The user's index in <see cref="FactorModel.Users"/>.</param>
    /// <param name="count">How many items to return.</param>
    /// <param name="exclude">Items never returned, such as the user's own.</param>
    /// <param name="allowed">When set, only these items are returned (e.g. those available in the user's region).</param>
    /// <param name="filter">When set, only items it accepts are returned.</param>
    public static ScoredItem[] RecommendForUser(FactorModel model, int user, int count, ItemBitSet? exclude = null, ItemBitSet? allowed = null, Func<int, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)user, (uint)model.UserCount, nameof(user));
        return Recommend(model, model.UserVector(user), count, exclude, allowed, filter, model.UserBiases[user]);
    }

    /// <summary>The best items for any user vector (a trained one, or one from fold-in).</summary>
    /// <param name="model">The model.</param>
    /// <param name="userVector">A vector of length <see cref="FactorModel.LatentDimension"/>.</param>
    /// <param name="count">How many items to return.</param>
    /// <param name="exclude">Items never returned, such as the user's own.</param>
    /// <param name="allowed">When set, only these items are returned.</param>
    /// <param name="filter">When set, only items it accepts are returned.</param>
    /// <param name="userBias">Added to every score (does not change the ranking).</param>
    public static ScoredItem[] Recommend(FactorModel model, ReadOnlySpan<float> userVector, int count, ItemBitSet? exclude = null,
        ItemBitSet? allowed = null, Func<int, bool>? filter = null, float userBias = 0f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (userVector.Length != model.LatentDimension)
        {
            throw new ArgumentException($"The user vector has {userVector.Length} elements, the model {model.LatentDimension}.", nameof(userVector));
        }

        var selector = new TopKSelector(Math.Min(count, model.ItemCount));
        Span<float> block = stackalloc float[BlockSize];
        var d = model.LatentDimension;
        var factors = model.ItemFactors;
        var biases = model.ItemBiases;
        for (var start = 0; start < model.ItemCount; start += BlockSize)
        {
            var length = Math.Min(BlockSize, model.ItemCount - start);
            var scores = block[..length];
            for (var k = 0; k < length; k++)
            {
                scores[k] = TensorPrimitives.Dot(userVector, factors.Slice((start + k) * d, d));
            }

            TensorPrimitives.Add(scores, biases.Slice(start, length), scores);
            for (var k = 0; k < length; k++)
            {
                var item = start + k;
                var score = scores[k] + userBias;
                if (score < selector.Threshold
                    || (exclude is not null && exclude.Contains(item))
                    || (allowed is not null && !allowed.Contains(item))
                    || (filter is not null && !filter(item)))
                {
                    continue;
                }

                selector.Add(item, score);
            }
        }

        return selector.ToSortedArray();
    }

    /// <summary>Writes the score of every item for a user vector (without user bias) into <paramref name="scores"/>.</summary>
    public static void ScoreAll(FactorModel model, ReadOnlySpan<float> userVector, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (scores.Length < model.ItemCount || userVector.Length != model.LatentDimension)
        {
            throw new ArgumentException("The score buffer must hold every item and the vector match the model's dimension.");
        }

        var d = model.LatentDimension;
        var factors = model.ItemFactors;
        for (var i = 0; i < model.ItemCount; i++)
        {
            scores[i] = TensorPrimitives.Dot(userVector, factors.Slice(i * d, d));
        }

        TensorPrimitives.Add(scores[..model.ItemCount], model.ItemBiases, scores);
    }

    /// <summary>The items most similar to <paramref name="item"/> by cosine of their vectors, excluding the item itself.</summary>
    /// <param name="model">The model.</param>
    /// <param name="item">The item index.</param>
    /// <param name="count">How many items to return.</param>
    /// <param name="allowed">When set, only these items are returned.</param>
    /// <param name="filter">When set, only items it accepts are returned.</param>
    public static ScoredItem[] SimilarItems(FactorModel model, int item, int count, ItemBitSet? allowed = null, Func<int, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)item, (uint)model.ItemCount, nameof(item));
        var norms = model.ItemNorms;
        var query = model.ItemVector(item);
        var queryNorm = norms[item];
        var selector = new TopKSelector(Math.Min(count, model.ItemCount));
        if (queryNorm == 0)
        {
            return [];
        }

        var d = model.LatentDimension;
        var factors = model.ItemFactors;
        for (var other = 0; other < model.ItemCount; other++)
        {
            if (other == item || norms[other] == 0
                || (allowed is not null && !allowed.Contains(other))
                || (filter is not null && !filter(other)))
            {
                continue;
            }

            var cosine = TensorPrimitives.Dot(query, factors.Slice(other * d, d)) / (queryNorm * norms[other]);
            selector.Add(other, cosine);
        }

        return selector.ToSortedArray();
    }
}
