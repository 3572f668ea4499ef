namespace Resso.Ml.Mixes;

/// <summary>A named, ready-to-show playlist for one listener.</summary>
/// <param name="Id">Stable within the user's mixes: <c>for_you</c>, <c>from_your_videos</c>, <c>trending:{REGION}</c> (or <c>trending</c>), <c>because_you_used:{songId}</c>.</param>
/// <param name="Kind">One of <see cref="MixKinds"/>.</param>
/// <param name="Title">English, ready to show, e.g. "Trending in Indonesia".</param>
/// <param name="Description">English, ready to show.</param>
/// <param name="Tracks">Between <see cref="MinTracks"/> and <see cref="MaxTracks"/> tracks, in play order, no song twice.</param>
/// <remarks>Equality compares the tracks element by element, so two equal mixes are the same playlist.</remarks>
public sealed record Mix(string Id, string Kind, string Title, string Description, IReadOnlyList<MixTrack> Tracks)
{
    /// <summary>The fewest tracks a mix may have; a mix that cannot reach it is not offered.</summary>
    public const int MinTracks = 20;

    /// <summary>The most tracks a mix may have.</summary>
    public const int MaxTracks = 50;

    /// <inheritdoc />
    public bool Equals(Mix? other) =>
        other is not null
        && string.Equals(Id, other.Id, StringComparison.Ordinal)
        && string.Equals(Kind, other.Kind, StringComparison.Ordinal)
        && string.Equals(Title, other.Title, StringComparison.Ordinal)
        && string.Equals(Description, other.Description, StringComparison.Ordinal)
        && Tracks.SequenceEqual(other.Tracks);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Id, StringComparer.Ordinal);
        hash.Add(Kind, StringComparer.Ordinal);
        foreach (var track in Tracks)
        {
            hash.Add(track);
        }

        return hash.ToHashCode();
    }
}

/// <summary>A track of a <see cref="Mix"/>.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Score">What the track was chosen by: recommendation score, trending score, similarity to its seed, or for the user's own songs their recency-weighted weight; comparable only between tracks with the same reason.</param>
/// <param name="Reason">Why it is there: one of <see cref="MixReasons"/>.</param>
/// <param name="Seed">For <see cref="MixReasons.SimilarTo"/>, the user's song it is similar to (never the track itself); otherwise null.</param>
public sealed record MixTrack(string SongId, float Score, string Reason, string? Seed = null);

/// <summary>The kinds of mixes.</summary>
public static class MixKinds
{
    /// <summary>Personal recommendations, diversified.</summary>
    public const string ForYou = "for_you";

    /// <summary>The songs the user made videos with, then songs like them.</summary>
    public const string FromYourVideos = "from_your_videos";

    /// <summary>What is trending in the user's region.</summary>
    public const string Trending = "trending";

    /// <summary>Songs like one of the user's most significant songs.</summary>
    public const string BecauseYouUsed = "because_you_used";
}

/// <summary>Why a track is in a mix (the <c>kind</c> of the reason listeners are shown).</summary>
public static class MixReasons
{
    /// <summary>Recommended for the user by the model.</summary>
    public const string ForYou = "for_you";

    /// <summary>The user created a video with it.</summary>
    public const string UsedInYourVideos = "used_in_your_videos";

    /// <summary>It is trending in the mix's region (or worldwide).</summary>
    public const string TrendingIn = "trending_in";

    /// <summary>It is a neighbour of one of the user's songs, <see cref="MixTrack.Seed"/>.</summary>
    public const string SimilarTo = "similar_to";
}
