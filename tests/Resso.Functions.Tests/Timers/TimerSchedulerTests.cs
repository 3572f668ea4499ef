using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Resso.Functions.Core.Hosting;
using Resso.Functions.SelfHost.Timers;
using Resso.Shared.Configuration;

namespace Resso.Functions.Tests.Timers;

public sealed class TimerSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 5, TimeSpan.Zero);

    [Fact]
    public async Task Scheduler_EveryTenSeconds_RunsOnlyAtOccurrencesAndSurvivesAFailure()
    {
        var time = new FakeTimeProvider(Start);
        var timer = new RecordingTimer(time, "*/10 * * * * *", failOnRun: 2);
        var scheduler = new TimerScheduler([timer], new ConfigurationBuilder().Build(), time, NullLogger<TimerScheduler>.Instance);
        await scheduler.StartAsync(TestContext.Current.CancellationToken);

        // Walk the clock a second at a time. On an occurrence the clock stands still until the run
        // has been seen (so a slow machine cannot make it look late); between occurrences the
        // scheduler gets a moment, in which any run would be recorded at the wrong second.
        var runs = new List<DateTimeOffset>();
        for (var step = 0; step < 120 && runs.Count < 3; step++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            if (time.GetUtcNow().Second % 10 == 0)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                wait.CancelAfter(TimeSpan.FromSeconds(10));
                runs.Add(await timer.Runs.ReadAsync(wait.Token));
            }
            else
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            while (timer.Runs.TryRead(out var run))
            {
                runs.Add(run);
            }
        }

        await scheduler.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, runs.Count); // the second run threw; the third still came
        Assert.All(runs, r => Assert.Equal(0, r.Second % 10));
        Assert.Equal(runs.Order(), runs);
        Assert.Equal(runs.Count, runs.Distinct().Count());
    }

    [Fact]
    public async Task StartAsync_ScheduleSettingMissing_StopsStartUpNamingTheSetting()
    {
        var time = new FakeTimeProvider(Start);
        var scheduler = new TimerScheduler([new RecordingTimer(time, "%Resso__Training__Schedule%")], new ConfigurationBuilder().Build(), time, NullLogger<TimerScheduler>.Instance);

        var ex = await Assert.ThrowsAsync<RessoConfigurationException>(() => scheduler.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal("Resso__Training__Schedule", ex.Setting);
    }

    private sealed class RecordingTimer(TimeProvider time, string schedule, int failOnRun = 0) : ITimerHandler
    {
        private int _count;

        public Channel<DateTimeOffset> RunsChannel { get; } = Channel.CreateUnbounded<DateTimeOffset>();

        public ChannelReader<DateTimeOffset> Runs => RunsChannel.Reader;

        public string Name => "test-timer";

        public string Schedule => schedule;

        public Task RunAsync(CancellationToken cancellationToken = default)
        {
            RunsChannel.Writer.TryWrite(time.GetUtcNow());
            return ++_count == failOnRun ? throw new InvalidOperationException("a failing run") : Task.CompletedTask;
        }
    }
}
