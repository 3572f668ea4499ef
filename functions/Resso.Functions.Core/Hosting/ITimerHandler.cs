namespace Resso.Functions.Core.Hosting;

/// <summary>
/// The body of a timer-triggered function, written once for both hosts. <see cref="Schedule"/> is
/// what the <c>TimerTrigger</c> attribute holds: a six-field NCRONTAB expression, or
/// <c>%SettingName%</c> to read it from an app setting.
/// </summary>
public interface ITimerHandler
{
    /// <summary>The function's name, for logs.</summary>
    string Name { get; }

    /// <summary>The schedule expression or <c>%SettingName%</c>.</summary>
    string Schedule { get; }

    /// <summary>Runs once for one occurrence of the schedule.</summary>
    Task RunAsync(CancellationToken cancellationToken = default);
}
