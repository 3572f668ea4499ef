namespace Resso.Ml.Ranking;

/// <summary>
/// What the ranker knows about one (listener, candidate song) pair: each generator's score, its rank
/// in that generator's list and its gap to the generator's best candidate for this listener, the
/// song's popularity and recent popularity, and how much the listener has done.
/// </summary>
public static class CandidateFeatures
{
    /// <summary>FFM score (fold-in vector · song factors + song bias).</summary>
    public const int FfmScore = 0;

    /// <summary>Position in the FFM list (1-based; <c>candidates + 1</c> when not in it).</summary>
    public const int FfmRank = 1;

    /// <summary>FFM score minus the listener's best FFM score.</summary>
    public const int FfmGap = 2;

    /// <summary>Implicit-ALS score.</summary>
    public const int AlsScore = 3;

    /// <summary>Position in the ALS list.</summary>
    public const int AlsRank = 4;

    /// <summary>ALS score minus the listener's best ALS score.</summary>
    public const int AlsGap = 5;

    /// <summary>EASE score (sum of the pruned item-to-item weights from the listener's songs).</summary>
    public const int EaseScore = 6;

    /// <summary>Position in the EASE list.</summary>
    public const int EaseRank = 7;

    /// <summary>EASE score minus the listener's best EASE score.</summary>
    public const int EaseGap = 8;

    /// <summary>log(1 + listeners of the song in the training data).</summary>
    public const int Popularity = 9;

    /// <summary>log(1 + listeners of the song in the last week of the data); 0 without timestamps.</summary>
    public const int RecentPopularity = 10;

    /// <summary>log(1 + songs in the listener's history).</summary>
    public const int History = 11;

    /// <summary>How many features there are.</summary>
    public const int Count = 12;

    /// <summary>The features' names, by index.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "ffm_score", "ffm_rank", "ffm_gap", "als_score", "als_rank", "als_gap", "ease_score", "ease_rank", "ease_gap",
        "popularity", "recent_popularity", "history",
    ];
}
