using Resso.Ml.Model;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;

namespace Resso.Ml.Mixes;

/// <summary>
/// Everything <see cref="MixBuilder"/> needs for one user, already loaded by the caller: the library does
/// no I/O. Lookups are called only for songs the builder considers. A record, so that a variant is one
/// <c>with</c> away (equality compares the lists and lookups by reference).
/// </summary>
public sealed record MixRequest
{
    /// <summary>The listener.</summary>
    public required string UserId { get; init; }

    /// <summary>The time of the request; its UTC date seeds the daily variation.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>The served model's version (part of the seed).</summary>
    /// <value>Empty.</value>
    public string ModelVersion { get; init; } = "";

    /// <summary>A number that changes when the user's data does (part of the seed).</summary>
    /// <value>Null: the user's event count, the sum of <see cref="UserSongInteraction.Count"/> over <see cref="History"/>.</value>
    public long? UserState { get; init; }

    /// <summary>The user's region (ISO 3166-1 alpha-2) for the title of "Trending in …"; null for a worldwide chart.</summary>
    public string? Region { get; init; }

    /// <summary>The user's interactions, one per song (e.g. <c>InteractionStore.GetUserInteractionsAsync</c>).</summary>
    /// <value>Empty.</value>
    public IReadOnlyList<UserSongInteraction> History { get; init; } = [];

    /// <summary>"For you" candidates, best first: the recommender's top songs (a few hundred give MMR room to diversify).</summary>
    /// <value>Empty.</value>
    public IReadOnlyList<ScoredSong> Recommendations { get; init; } = [];

    /// <summary>Supplies song vectors for the diversity of "For you"; without it (or for songs it does not know) candidates count as unlike each other.</summary>
    public FactorModel? Model { get; init; }

    /// <summary>Trending songs for <see cref="Region"/>, best first (e.g. from <see cref="TrendingScorer.Score"/>).</summary>
    /// <value>Empty.</value>
    public IReadOnlyList<ScoredSong> Trending { get; init; } = [];

    /// <summary>
    /// The neighbours of a song, best first (the model's similar items, or <see cref="CoOccurrence"/> for songs it
    /// does not know); empty when unknown. <see cref="MixBuilder.SongsNeedingNeighbours"/> lists the songs it is asked about.
    /// </summary>
    public Func<string, IReadOnlyList<ScoredSong>>? SimilarSongs { get; init; }

    /// <summary>Catalog details of a song, or null when the catalog does not have it (titles then fall back to the id).</summary>
    public Func<string, SongDetails?>? Songs { get; init; }

    /// <summary>Whether a song may be played for this user (e.g. available in their region); null allows every song.</summary>
    public Func<string, bool>? IsPlayable { get; init; }

    /// <summary>
    /// The share of all listeners (0–1] who used the song, e.g. from the model's training data; null or a non-positive value for an
    /// unknown song. Null: seeds by significance alone.
    /// </summary>
    /// <remarks>
    /// "Because you used …" seeds are weighted by significance · log(1 / reach), so that a song the listener shares with few others
    /// seeds before a global hit (<see cref="MixBuilder"/> remarks). <see cref="Ranking.PipelineModel.SongReach"/> builds it from a
    /// trained pipeline.
    /// </remarks>
    public Func<string, double>? SongReach { get; init; }
}
