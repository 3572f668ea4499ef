namespace Resso.Ml.Evaluation;

/// <summary>Top-K ranking metrics with binary relevance, for one user's ranked list.</summary>
/// <remarks>
/// <list type="bullet">
/// <item>precision@K = hits in the first K / K (a list shorter than K still divides by K);</item>
/// <item>recall@K = hits in the first K / |relevant|;</item>
/// <item>NDCG@K = Σ over hits at 0-based rank r of 1/log₂(r + 2), divided by the same sum for an ideal list of min(K, |relevant|) hits;</item>
/// <item>AP@K = Σ over hits at rank r of precision@(r + 1), divided by min(K, |relevant|); MAP@K is its mean over users.</item>
/// </list>
/// A user without relevant items scores 0 everywhere; evaluations leave such users out.
/// </remarks>
public static class RankingMetrics
{
    /// <summary>precision@K.</summary>
    public static double Precision(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant, int k)
    {
        Check(relevant, k);
        return (double)Hits(ranked, relevant, k) / k;
    }

    /// <summary>recall@K.</summary>
    public static double Recall(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant, int k)
    {
        Check(relevant, k);
        return relevant.Count == 0 ? 0 : (double)Hits(ranked, relevant, k) / relevant.Count;
    }

    /// <summary>NDCG@K with binary gains.</summary>
    public static double Ndcg(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant, int k)
    {
        Check(relevant, k);
        if (relevant.Count == 0)
        {
            return 0;
        }

        var dcg = 0.0;
        var limit = Math.Min(k, ranked.Length);
        for (var r = 0; r < limit; r++)
        {
            if (relevant.Contains(ranked[r]))
            {
                dcg += 1 / Math.Log2(r + 2);
            }
        }

        var ideal = 0.0;
        var idealHits = Math.Min(k, relevant.Count);
        for (var r = 0; r < idealHits; r++)
        {
            ideal += 1 / Math.Log2(r + 2);
        }

        return dcg / ideal;
    }

    /// <summary>AP@K (average precision at K, normalised by min(K, |relevant|)).</summary>
    public static double AveragePrecision(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant, int k)
    {
        Check(relevant, k);
        if (relevant.Count == 0)
        {
            return 0;
        }

        var hits = 0;
        var sum = 0.0;
        var limit = Math.Min(k, ranked.Length);
        for (var r = 0; r < limit; r++)
        {
            if (relevant.Contains(ranked[r]))
            {
                hits++;
                sum += (double)hits / (r + 1);
            }
        }

        return sum / Math.Min(k, relevant.Count);
    }

    /// <summary>Catalog coverage: distinct items in the first K of any list, over the catalog size.</summary>
    public static double Coverage(IEnumerable<IReadOnlyList<int>> rankedLists, int catalogSize, int k)
    {
        ArgumentNullException.ThrowIfNull(rankedLists);
        ArgumentOutOfRangeException.ThrowIfLessThan(catalogSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var seen = new HashSet<int>();
        foreach (var list in rankedLists)
        {
            for (var r = 0; r < Math.Min(k, list.Count); r++)
            {
                seen.Add(list[r]);
            }
        }

        return (double)seen.Count / catalogSize;
    }

    private static int Hits(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant, int k)
    {
        var hits = 0;
        var limit = Math.Min(k, ranked.Length);
        for (var r = 0; r < limit; r++)
        {
            if (relevant.Contains(ranked[r]))
            {
                hits++;
            }
        }

        return hits;
    }

    private static void Check(IReadOnlySet<int> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(relevant);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
    }
}
