using Resso.Shared.Events;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// The region a listener is in, from their counted events, for answers asked without one: the region
/// of most of their events of the last <see cref="Window"/> (of all their events when none is that
/// recent), ties going to the region of the latest event. Null without events.
/// </summary>
public static class RegionInference
{
    /// <summary>How far back events say where the listener is now; someone who moved counts where they are.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    /// <summary>The inferred region, or null when <paramref name="events"/> is empty.</summary>
    public static string? FromEvents(IReadOnlyCollection<SongUsedEvent> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(events);
        var recent = events.Where(e => e.OccurredAt >= now - Window && !string.IsNullOrEmpty(e.Region)).ToList();
        if (recent.Count == 0)
        {
            recent = [.. events.Where(e => !string.IsNullOrEmpty(e.Region))];
        }

        return recent
            .GroupBy(e => e.Region, StringComparer.Ordinal)
            .Select(g => (Region: g.Key, Count: g.Count(), Latest: g.Max(e => e.OccurredAt)))
            .OrderByDescending(r => r.Count).ThenByDescending(r => r.Latest).ThenBy(r => r.Region, StringComparer.Ordinal)
            .Select(r => r.Region)
            .FirstOrDefault();
    }
}
