using Resso.Ml.Scoring;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Privacy;

namespace Resso.Ml.Serving;

/// <summary>A recommended song and its score.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Score">Higher is better; comparable within one answer.</param>
public sealed record RecommendedSong(string SongId, float Score);

/// <summary>Recommendations for one user from one model.</summary>
/// <param name="ModelVersion">The model that ranked them.</param>
/// <param name="Songs">Best first.</param>
/// <param name="UsedSongs">The songs the user has events with (excluded when asked).</param>
public sealed record UserRecommendations(string ModelVersion, IReadOnlyList<RecommendedSong> Songs, IReadOnlySet<string> UsedSongs);

/// <summary>
/// Ranks songs for a user against the served model: the user's vector is their stored fold-in when
/// it reflects all their events under this model, else folded in now from their events (and
/// stored), else the model's own trained vector. With a two-stage pipeline (every model trained
/// since it exists) the generators propose candidates from the user's songs and the ranker orders
/// them; otherwise every song is scored with SIMD and the top K kept by a heap. Either way the
/// user's songs are left out on request and songs not playable in the region never appear. An
/// erased user is not placed by the model's trained vector while a model that still holds it is served.
/// </summary>
public sealed class Recommender(ModelHolder holder, UserVectors vectors, InteractionStore interactions, ErasureMarkers erasures)
{
    /// <summary>Null when no model is served or the user has no usable history (the caller falls back to trending).</summary>
    public Task<UserRecommendations?> RecommendAsync(string userId, int count, string? region = null, bool excludeUsed = true, CancellationToken cancellationToken = default) =>
        RecommendAsync(userId, null, count, region, excludeUsed, cancellationToken);

    /// <summary>As <see cref="RecommendAsync(string, int, string?, bool, CancellationToken)"/>, with the user's counted events already read (null: read them here).</summary>
    public async Task<UserRecommendations?> RecommendAsync(string userId, IReadOnlyList<SongUsedEvent>? userEvents, int count, string? region = null, bool excludeUsed = true,
        CancellationToken cancellationToken = default)
    {
        if (holder.Current is not { } model)
        {
            return null;
        }

        var eventsTask = userEvents is null ? interactions.GetUserEventsAsync(userId, cancellationToken) : Task.FromResult(userEvents);
        var storedTask = vectors.GetAsync(userId, cancellationToken);
        var events = await eventsTask;
        var stored = await storedTask;

        // Weighed once: the fold-in and the pipeline's generators read the same history.
        var history = vectors.History(events, model);
        float[]? vector;
        float bias = 0;
        if (stored is not null && stored.ModelVersion == model.Version && stored.Events == events.Count)
        {
            (vector, bias) = (stored.Vector, stored.Bias);
        }
        else if (vectors.Compute(userId, events.Count, history, model) is { } folded)
        {
            (vector, bias) = (folded.Vector, folded.Bias);
            await vectors.SaveAsync(folded, cancellationToken);
        }
        else if (model.Factors.Users.TryGetIndex(userId, out var user) && !erasures.IsErased(userId))
        {
            vector = model.Factors.UserVector(user).ToArray();
            bias = model.Factors.UserBiases[user];
        }
        else
        {
            return null;
        }

        var used = events.Select(e => e.SongId).ToHashSet(StringComparer.Ordinal);
        ItemBitSet? exclude = null;
        if (excludeUsed)
        {
            exclude = new ItemBitSet(model.Factors.ItemCount);
            foreach (var song in used)
            {
                if (model.Factors.Items.TryGetIndex(song, out var item))
                {
                    exclude.Add(item);
                }
            }
        }

        var allowed = region is null ? null : model.AllowedIn(region);
        if (model.Pipeline is { } pipeline)
        {
            // Two stages: the generators' candidates from the listener's songs, ordered by the ranker.
            if (history.Items.Length > 0)
            {
                var ranked = pipeline.Recommend(history.Items, history.Weights, count, exclude, allowed, vector);
                return new UserRecommendations(model.Version, [.. ranked.Select(s => new RecommendedSong(model.Factors.Items[s.Item], s.Score))], used);
            }
        }

        var top = TopKScorer.Recommend(model.Factors, vector, count, exclude, allowed, userBias: bias);
        return new UserRecommendations(model.Version, [.. top.Select(s => new RecommendedSong(model.Factors.Items[s.Item], s.Score))], used);
    }
}
