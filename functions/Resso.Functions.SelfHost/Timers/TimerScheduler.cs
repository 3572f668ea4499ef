using Resso.Functions.Core.Hosting;

namespace Resso.Functions.SelfHost.Timers;

/// <summary>
/// Runs each <see cref="ITimerHandler"/> at the occurrences of its schedule, as the Functions timer
/// trigger does: one run at a time per timer (an occurrence that falls during a run is skipped),
/// a failed run is logged and the next occurrence still fires. Schedules are checked with the other
/// settings before the host is built (<see cref="TimerSchedule.CheckAll"/>); they are resolved again
/// here, when the host starts.
/// </summary>
internal sealed class TimerScheduler(
    IEnumerable<ITimerHandler> handlers,
    IConfiguration configuration,
    TimeProvider timeProvider,
    ILogger<TimerScheduler> logger) : BackgroundService
{
    private readonly List<(ITimerHandler Handler, TimerSchedule Schedule)> _timers = [];

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var handler in handlers)
        {
            _timers.Add((handler, TimerSchedule.Resolve(handler.Schedule, configuration)));
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_timers.Select(t => RunTimerAsync(t.Handler, t.Schedule, stoppingToken)));

    private async Task RunTimerAsync(ITimerHandler handler, TimerSchedule schedule, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = schedule.GetNextOccurrence(timeProvider.GetUtcNow());
                Log.TimerScheduled(logger, handler.Name, schedule.Expression, next);

                // The wait is measured from the clock as it is now, not as it was before logging: a thread that
                // was slow to get here must not also fire late by the time it lost.
                var wait = next - timeProvider.GetUtcNow();
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, timeProvider, stoppingToken);
                try
                {
                    await handler.RunAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    Log.TimerFailed(logger, ex, handler.Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
