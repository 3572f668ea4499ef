using Resso.Shared.Events;

namespace Resso.Testing;

/// <summary>Test-data builder for events: valid by default, change only what a test is about.</summary>
public static class Events
{
    private static long _next;

    /// <summary>A valid event; every id unique unless given.</summary>
    public static SongUsedEvent Valid(
        string? eventId = null,
        string userId = "u_1",
        string songId = "s_1",
        SongAction action = SongAction.View,
        string region = "ID",
        DateTimeOffset? occurredAt = null,
        Segment? segment = null) =>
        new(
            eventId ?? $"e_{Interlocked.Increment(ref _next)}_{Guid.NewGuid():N}",
            userId,
            songId,
            "v_1",
            action,
            region,
            occurredAt ?? DateTimeOffset.UtcNow.AddMinutes(-5),
            segment ?? new Segment(30_000, 45_000));

    /// <summary>
    /// A deterministic stream: <paramref name="distinct"/> events over a few users and songs, plus exact
    /// copies of earlier ones at <paramref name="duplicateRate"/>, shuffled like a retrying client's traffic.
    /// </summary>
    public static (List<SongUsedEvent> All, List<SongUsedEvent> Distinct) Stream(int distinct, double duplicateRate, int users = 40, int songs = 25, int seed = 7)
    {
        var random = new Random(seed);
        var actions = Enum.GetValues<SongAction>();
        var regions = new[] { "ID", "US", "BR", "MX", "IN" };
        var now = DateTimeOffset.UtcNow;
        var unique = Enumerable.Range(0, distinct).Select(i => new SongUsedEvent(
            $"e{seed}_{i}",
            $"u_{random.Next(users)}",
            $"s_{(int)Math.Floor(Math.Pow(random.NextDouble(), 2) * songs)}",
            $"v_{random.Next(100)}",
            actions[random.Next(actions.Length)],
            regions[random.Next(regions.Length)],
            now.AddMinutes(-random.Next(1, 60 * 24)),
            random.Next(4) == 0 ? null : new Segment(random.Next(0, 6) * 10_000, random.Next(6, 12) * 10_000))).ToList();
        var all = new List<SongUsedEvent>(unique);
        var copies = (int)Math.Round(distinct * duplicateRate);
        for (var i = 0; i < copies; i++)
        {
            all.Add(unique[random.Next(unique.Count)]);
        }

        return ([.. all.OrderBy(_ => random.Next())], unique);
    }
}
