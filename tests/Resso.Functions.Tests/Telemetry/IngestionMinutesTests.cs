using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Resso.Functions.Core.Telemetry;
using Resso.Shared.Telemetry;

namespace Resso.Functions.Tests.Telemetry;

/// <summary>The per-minute ring behind <c>GET /api/metrics/ingestion</c>, on a fake clock.</summary>
public sealed class IngestionMinutesTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 8, 0, 30, TimeSpan.Zero);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly RessoMetrics _metrics;
    private readonly IngestionMinutes _minutes;

    public IngestionMinutesTests()
    {
        _metrics = new RessoMetrics(_services.GetRequiredService<IMeterFactory>());
        _minutes = new IngestionMinutes(_metrics, _clock, new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["WEBSITE_INSTANCE_ID"] = "instance-1" }).Build());
    }

    public void Dispose()
    {
        _minutes.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void Read_CountsInTwoMinutes_EachInItsMinuteOldestFirstWithZerosAround()
    {
        _metrics.EventsAccepted.Add(5);
        _metrics.EventsCounted.Add(4);
        _metrics.EventsDuplicates.Add(1);
        _clock.Advance(TimeSpan.FromMinutes(2));
        _metrics.EventsAccepted.Add(3);
        _metrics.EventsRejected.Add(2);

        var report = _minutes.Read(4);

        Assert.Equal("instance-1", report.Instance);
        Assert.Equal(Start, report.Since);
        Assert.Equal(
            [
                new IngestionMinute(new DateTimeOffset(2026, 11, 24, 7, 59, 0, TimeSpan.Zero), 0, 0, 0, 0),
                new IngestionMinute(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero), 5, 4, 1, 0),
                new IngestionMinute(new DateTimeOffset(2026, 11, 24, 8, 1, 0, TimeSpan.Zero), 0, 0, 0, 0),
                new IngestionMinute(new DateTimeOffset(2026, 11, 24, 8, 2, 0, TimeSpan.Zero), 3, 0, 0, 2),
            ],
            report.Minutes);
        Assert.Equal(new IngestionCounts(8, 4, 1, 2), report.Totals);
    }

    [Fact]
    public void Read_AnHourLater_TheOldMinuteIsGoneAndItsSlotCountsAfresh()
    {
        _metrics.EventsCounted.Add(7);
        _clock.Advance(TimeSpan.FromMinutes(IngestionMinutes.Capacity));

        Assert.Equal(new IngestionCounts(0, 0, 0, 0), _minutes.Read(IngestionMinutes.Capacity).Totals);

        // The same slot of the ring, an hour on: the old count is not added to the new one.
        _metrics.EventsCounted.Add(2);
        var report = _minutes.Read(IngestionMinutes.Capacity);

        Assert.Equal(IngestionMinutes.Capacity, report.Minutes.Count);
        Assert.Equal(2, report.Minutes[^1].Counted);
        Assert.Equal(new IngestionCounts(0, 2, 0, 0), report.Totals);
    }

    [Fact]
    public void Read_AnotherContainersCounters_AreNotCounted()
    {
        // Same meter name, another container: another instance's (or test host's) events.
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        new RessoMetrics(other.GetRequiredService<IMeterFactory>()).EventsCounted.Add(100);
        _metrics.EventsCounted.Add(1);

        Assert.Equal(new IngestionCounts(0, 1, 0, 0), _minutes.Read(1).Totals);
    }

    [Fact]
    public async Task Record_ManyThreadsAtOnce_LosesNothing()
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                _metrics.EventsAccepted.Add(1);
            }
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(80_000, _minutes.Read(1).Totals.Accepted);
    }
}
