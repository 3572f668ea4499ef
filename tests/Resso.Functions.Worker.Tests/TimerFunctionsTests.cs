using Resso.Functions.Worker.Tests.Harness;
using Resso.Ml.Store;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests;

/// <summary>The timer functions, fired with the timer state the host sends.</summary>
public sealed class TimerFunctionsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task RetrainTimer_NewEventsSinceNoModel_TrainsAndRecordsADecision()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, QueueFunctionsTests.Training);
        await QueueFunctionsTests.PostAndCountAsync(worker, azurite.ConnectionString, QueueFunctionsTests.Listening());

        await worker.InvokeTimerAsync("RetrainTimer");

        var decision = await worker.Get<ModelStore>().GetLastDecisionAsync();
        Assert.NotNull(decision);
        Assert.Equal("timer", decision.Trigger);
    }

    [Fact]
    public async Task CatalogRollupTimer_SongsUsedTogether_RecordsTopSegmentAndNeighbours()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString);
        var segment = new Segment(60_000, 75_000); // on the roll-up's 5-second grid
        var events = Enumerable.Range(0, 4).SelectMany(u => new[]
        {
            Events.Valid(userId: $"u_{u}", songId: "s_a", action: SongAction.Create, segment: segment),
            Events.Valid(userId: $"u_{u}", songId: "s_b", action: SongAction.Like),
        }).ToList();
        await QueueFunctionsTests.PostAndCountAsync(worker, azurite.ConnectionString, events);
        Assert.Null((await worker.Get<SongCatalog>().GetAsync("s_a"))?.TopSegment);

        await worker.InvokeTimerAsync("CatalogRollupTimer");

        var entry = await worker.Get<SongCatalog>().GetAsync("s_a");
        Assert.NotNull(entry);
        Assert.Equal(segment, entry.TopSegment);
        Assert.Contains(entry.Neighbours ?? [], n => n.Key == "s_b");
    }

    [Fact]
    public async Task RetentionTimer_EventLogBlobOlderThanKept_IsDeletedAndANewOneStays()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString);
        var log = worker.Get<EventLog>();
        var now = DateTimeOffset.UtcNow;
        await log.WriteAsync("m_old", now.AddDays(-401), [Events.Valid(userId: "u_old")]);
        await log.WriteAsync("m_new", now.AddDays(-1), [Events.Valid(userId: "u_new")]);

        await worker.InvokeTimerAsync("RetentionTimer");

        var users = new List<string>();
        await foreach (var e in log.ReadAsync())
        {
            users.Add(e.UserId);
        }

        Assert.Equal(["u_new"], users);
    }
}
