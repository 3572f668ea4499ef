using Resso.Functions.Core.Listeners;
using Resso.Shared.Events;
using Resso.Testing;

namespace Resso.Functions.Tests.Catalog;

public sealed class RegionInferenceTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static SongUsedEvent At(string region, double daysAgo, int i) =>
        Events.Valid(eventId: $"e_{region}_{i}_{daysAgo}", region: region) with { OccurredAt = Now.AddDays(-daysAgo) };

    [Fact]
    public void FromEvents_None_IsNull() => Assert.Null(RegionInference.FromEvents([], Now));

    [Fact]
    public void FromEvents_MostEventsOfTheLastThirtyDays_WinOverOlderOnes()
    {
        // Ten events in Brazil two months ago, three in Indonesia this week: the listener is in Indonesia now.
        SongUsedEvent[] events = [.. Enumerable.Range(0, 10).Select(i => At("BR", 60, i)), .. Enumerable.Range(0, 3).Select(i => At("ID", 2, i)), At("JP", 1, 0)];

        Assert.Equal("ID", RegionInference.FromEvents(events, Now));
    }

    [Fact]
    public void FromEvents_NothingRecent_AllEventsCount()
    {
        SongUsedEvent[] events = [At("BR", 90, 0), At("BR", 80, 1), At("MX", 40, 0)];

        Assert.Equal("BR", RegionInference.FromEvents(events, Now));
    }

    [Fact]
    public void FromEvents_Tie_TheLatestEventsRegion()
    {
        SongUsedEvent[] events = [At("BR", 3, 0), At("MX", 2, 0), At("BR", 5, 1), At("MX", 4, 1)];

        Assert.Equal("MX", RegionInference.FromEvents(events, Now));
    }
}
