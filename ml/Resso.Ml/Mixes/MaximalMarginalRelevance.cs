using System.Numerics.Tensors;
using Resso.Ml.Model;
using Resso.Ml.Scoring;

namespace Resso.Ml.Mixes;

/// <summary>
/// Diversified re-ranking by maximal marginal relevance (Carbonell and Goldstein, 1998), with a cap on
/// tracks per artist.
/// </summary>
/// <remarks>
/// Relevance is min–max normalised over the candidates to [0, 1] (all 1 when the scores are equal).
/// The first pick is the most relevant candidate; each next pick maximises
/// <c>λ · relevance(c) − (1 − λ) · max over picked p of cos(v_c, v_p)</c> over the song vectors of the model
/// (a candidate with a zero vector is similar to nothing). Ties go to the candidate listed first. Once an
/// artist has <c>maxPerArtist</c> picks its other candidates are out. Vectors are normalised once, and each
/// pick costs one dot product per remaining candidate: O(count · n · d) for n candidates, about a
/// millisecond for 500 candidates, 50 picks and d = 128.
/// </remarks>
public static class MaximalMarginalRelevance
{
    /// <summary>The default trade-off: mostly relevance, some diversity (at 0.7 a new user's few songs no longer led their For you mix).</summary>
    public const double DefaultLambda = 0.9;

    /// <summary>Picks up to <paramref name="count"/> candidates, relevant and unlike each other.</summary>
    /// <param name="candidates">Items of <paramref name="model"/> with their scores (typically from <see cref="TopKScorer"/>); repeats and non-finite scores are ignored.</param>
    /// <param name="model">Supplies the item vectors.</param>
    /// <param name="count">How many to pick.</param>
    /// <param name="artistOf">The artist of an item; null or empty for unknown (never capped).</param>
    /// <param name="maxPerArtist">At most this many picks per artist (case-insensitive).</param>
    /// <param name="lambda">1 ranks by relevance alone; 0 by diversity alone.</param>
    /// <returns>The picks in pick order, with their original scores; fewer than <paramref name="count"/> when the candidates run out.</returns>
    public static ScoredItem[] Rerank(IReadOnlyList<ScoredItem> candidates, FactorModel model, int count, Func<int, string?> artistOf, int maxPerArtist, double lambda = DefaultLambda)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(artistOf);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerArtist, 1);
        CheckLambda(lambda);

        var kept = new List<ScoredItem>(candidates.Count);
        var seen = new HashSet<int>();
        foreach (var candidate in candidates)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)candidate.Item, (uint)model.ItemCount, nameof(candidates));
            if (float.IsFinite(candidate.Score) && seen.Add(candidate.Item))
            {
                kept.Add(candidate);
            }
        }

        var d = model.LatentDimension;
        var rows = new float[kept.Count * d];
        var norms = model.ItemNorms;
        var scores = new float[kept.Count];
        var artists = new string?[kept.Count];
        for (var k = 0; k < kept.Count; k++)
        {
            var item = kept[k].Item;
            scores[k] = kept[k].Score;
            artists[k] = artistOf(item);
            if (norms[item] > 0)
            {
                TensorPrimitives.Multiply(model.ItemVector(item), 1f / norms[item], rows.AsSpan(k * d, d));
            }
        }

        // The factors may be mapped: the model stays reachable until they are read (FactorModel remarks).
        GC.KeepAlive(model);

        var picks = Select(scores, rows, d, artists, maxPerArtist, count, lambda);
        return [.. picks.Select(p => kept[p])];
    }

    internal static void CheckLambda(double lambda)
    {
        if (!(lambda is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "Lambda must be between 0 and 1.");
        }
    }

    /// <summary>The MMR selection over prepared candidates.</summary>
    /// <param name="scores">Finite relevance scores, one per candidate.</param>
    /// <param name="unitRows">Unit (or zero) vectors, one row of <paramref name="dimension"/> per candidate.</param>
    /// <param name="dimension">Vector length (0: no similarity at all).</param>
    /// <param name="artists">Artist per candidate, null or empty when unknown.</param>
    /// <param name="maxPerArtist">Cap per artist.</param>
    /// <param name="count">How many to pick.</param>
    /// <param name="lambda">The trade-off.</param>
    /// <returns>Candidate positions in pick order.</returns>
    internal static List<int> Select(ReadOnlySpan<float> scores, ReadOnlySpan<float> unitRows, int dimension, IReadOnlyList<string?> artists, int maxPerArtist, int count, double lambda)
    {
        var n = scores.Length;
        var picks = new List<int>(Math.Min(count, n));
        if (n == 0 || count == 0)
        {
            return picks;
        }

        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        foreach (var score in scores)
        {
            min = Math.Min(min, score);
            max = Math.Max(max, score);
        }

        var range = (double)max - min;
        var relevance = new double[n];
        for (var k = 0; k < n; k++)
        {
            relevance[k] = range > 0 ? (scores[k] - min) / range : 1.0;
        }

        var artistIds = new int[n];
        var artistIndex = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var k = 0; k < n; k++)
        {
            var artist = artists[k];
            artistIds[k] = string.IsNullOrWhiteSpace(artist) ? -1 : Intern(artistIndex, artist.Trim());
        }

        var perArtist = new int[artistIndex.Count];
        var available = new bool[n];
        Array.Fill(available, true);
        var maxSimilarity = new double[n];
        while (picks.Count < count)
        {
            var best = -1;
            var bestValue = double.NegativeInfinity;
            for (var k = 0; k < n; k++)
            {
                if (!available[k])
                {
                    continue;
                }

                var value = picks.Count == 0 ? relevance[k] : (lambda * relevance[k]) - ((1 - lambda) * maxSimilarity[k]);
                if (value > bestValue)
                {
                    best = k;
                    bestValue = value;
                }
            }

            if (best < 0)
            {
                break;
            }

            picks.Add(best);
            available[best] = false;
            var artistId = artistIds[best];
            if (artistId >= 0 && ++perArtist[artistId] >= maxPerArtist)
            {
                for (var k = 0; k < n; k++)
                {
                    if (artistIds[k] == artistId)
                    {
                        available[k] = false;
                    }
                }
            }

            var picked = unitRows.Slice(best * dimension, dimension);
            for (var k = 0; k < n; k++)
            {
                if (available[k])
                {
                    var similarity = dimension == 0 ? 0.0 : TensorPrimitives.Dot(picked, unitRows.Slice(k * dimension, dimension));
                    maxSimilarity[k] = picks.Count == 1 ? similarity : Math.Max(maxSimilarity[k], similarity);
                }
            }
        }

        return picks;
    }

    private static int Intern(Dictionary<string, int> index, string key)
    {
        if (!index.TryGetValue(key, out var value))
        {
            value = index.Count;
            index.Add(key, value);
        }

        return value;
    }
}
