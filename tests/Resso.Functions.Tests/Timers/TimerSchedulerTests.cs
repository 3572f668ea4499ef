using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
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
        var announced = new AnnouncedOccurrences();
        var scheduler = new TimerScheduler([timer], new ConfigurationBuilder().Build(), time, announced);
        await scheduler.StartAsync(TestContext.Current.CancellationToken);

        // Walk the clock a second at a time, in step with the scheduler: only once it has announced
        // the occurrence it waits for (and had a moment to start waiting) does the clock move towards
        // it; a run between occurrences would be recorded at the wrong second. On the occurrence the
        // clock stands still until the run has been seen, so a slow machine cannot make it look late.
        var runs = new List<DateTimeOffset>();
        while (runs.Count < 3)
        {
            var next = await ReadAsync(announced.Next);
            Assert.InRange(next, time.GetUtcNow(), Start.AddMinutes(2));
            await Task.Delay(20, TestContext.Current.CancellationToken);
            while (time.GetUtcNow() < next)
            {
                while (timer.Runs.TryRead(out var early))
                {
                    runs.Add(early);
                }

                time.Advance(TimeSpan.FromSeconds(1));
                if (time.GetUtcNow() < next)
                {
                    await Task.Delay(10, TestContext.Current.CancellationToken);
                }
            }

            runs.Add(await ReadAsync(timer.Runs));
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
        var scheduler = new TimerScheduler([new RecordingTimer(time, "%Resso:Training:Schedule%")], new ConfigurationBuilder().Build(), time, NullLogger<TimerScheduler>.Instance);

        var ex = await Assert.ThrowsAsync<RessoConfigurationException>(() => scheduler.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal("Resso__Training__Schedule", ex.Setting);
    }

    private static async Task<DateTimeOffset> ReadAsync(ChannelReader<DateTimeOffset> reader)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(10));
        return await reader.ReadAsync(wait.Token);
    }

    /// <summary>The scheduler's "next runs at" log lines, as the occurrences it is about to wait for.</summary>
    private sealed class AnnouncedOccurrences : ILogger<TimerScheduler>
    {
        private readonly Channel<DateTimeOffset> _next = Channel.CreateUnbounded<DateTimeOffset>();

        public ChannelReader<DateTimeOffset> Next => _next.Reader;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 120 && state is IEnumerable<KeyValuePair<string, object?>> values && values.FirstOrDefault(v => v.Key == "Next").Value is DateTimeOffset next)
            {
                _next.Writer.TryWrite(next);
            }
        }
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
