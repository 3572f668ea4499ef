using Resso.Shared.Events;
using Resso.Shared.Ingestion;

namespace Resso.Ml.Pipeline;

/// <summary>
/// The implicit feedback of a user for a song: the action weights of their distinct events, each
/// decayed by its age (halving every <see cref="RecommenderOptions.RecencyHalfLifeDays"/>). Training
/// and fold-in use the same weights.
/// </summary>
public static class InteractionWeighting
{
    /// <summary>Weight per (user, song) of <paramref name="events"/> as of <paramref name="now"/>.</summary>
    public static Dictionary<(string UserId, string SongId), float> Weigh(
        IEnumerable<SongUsedEvent> events, ActionWeights weights, double halfLifeDays, DateTimeOffset now)
    {
        var result = new Dictionary<(string, string), float>();
        foreach (var e in events)
        {
            var ageDays = Math.Max(0, (now - e.OccurredAt).TotalDays);
            var weight = (float)(weights.Of(e.Action) * Math.Pow(0.5, ageDays / halfLifeDays));
            var key = (e.UserId, e.SongId);
            result[key] = result.TryGetValue(key, out var sum) ? sum + weight : weight;
        }

        return result;
    }
}
