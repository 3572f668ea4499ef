using System.Reflection;
using NCrontab;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Configuration;

namespace Resso.Functions.SelfHost.Timers;

/// <summary>
/// A timer trigger's schedule as the Functions host reads it: a six-field NCRONTAB expression
/// (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, evaluated in UTC), given literally
/// or as <c>%key%</c>, resolved as the host's name resolver does it: <c>configuration[key]</c>, with
/// no translation. App settings arrive as environment variables, whose <c>__</c> the configuration
/// reads as <c>:</c>, so the app setting <c>Resso__Training__Schedule</c> is <c>%Resso:Training:Schedule%</c>
/// and <c>%Resso__Training__Schedule%</c> resolves to nothing, here as on Azure.
/// </summary>
internal sealed class TimerSchedule
{
    private readonly CrontabSchedule _cron;

    private TimerSchedule(string expression, CrontabSchedule cron)
    {
        Expression = expression;
        _cron = cron;
    }

    public string Expression { get; }

    /// <exception cref="RessoConfigurationException">The setting is missing or the expression is not six-field NCRONTAB.</exception>
    public static TimerSchedule Resolve(string schedule, IConfiguration configuration)
    {
        var source = schedule;
        var expression = schedule;
        if (schedule.Length > 2 && schedule[0] == '%' && schedule[^1] == '%')
        {
            var key = schedule[1..^1];
            source = AppSettingName(key);
            expression = configuration[key]
                ?? throw new RessoConfigurationException(
                    source,
                    key.Contains("__", StringComparison.Ordinal)
                        ? $"cannot be read by the binding expression {schedule}: the Functions host looks %name% up as a configuration key, where an app setting's __ is ':'. Write it as %{key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)}%."
                        : "is not set; it holds a timer's six-field NCRONTAB schedule, e.g. \"0 0 * * * *\" for hourly.");
        }

        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var cron = fields == 6
            ? CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true })
            : null;
        return cron is null
            ? throw new RessoConfigurationException(source, $"\"{expression}\" is not a six-field NCRONTAB schedule ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}), e.g. \"0 0 * * * *\" for hourly.")
            : new TimerSchedule(expression, cron);
    }

    /// <summary>
    /// Resolves the schedule of every timer registered in <paramref name="services"/>, recording each
    /// problem. A timer's schedule is read from its type's <c>ScheduleExpression</c> constant, which
    /// every timer has because its <c>TimerTrigger</c> attribute in the Functions app needs a constant,
    /// so that a timer whose dependencies cannot be built (a storage setting already refused) is
    /// checked as well; a timer without one is resolved from <paramref name="provider"/>.
    /// </summary>
    public static void CheckAll(IServiceCollection services, IServiceProvider provider, IConfiguration configuration, ConfigurationProblems problems)
    {
        foreach (var descriptor in services)
        {
            string? schedule = null;
            if (descriptor.ServiceType == typeof(ITimerHandler) && !descriptor.IsKeyedService && descriptor.ImplementationInstance is ITimerHandler instance)
            {
                schedule = instance.Schedule;
            }
            else if (descriptor.ServiceType != typeof(ITimerHandler) && typeof(ITimerHandler).IsAssignableFrom(descriptor.ServiceType))
            {
                schedule = descriptor.ServiceType.GetField("ScheduleExpression", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
                    ?? ((ITimerHandler)provider.GetRequiredService(descriptor.ServiceType)).Schedule;
            }

            if (schedule is not null)
            {
                problems.Check(() => Resolve(schedule, configuration));
            }
        }
    }

    /// <summary>The app setting (environment variable) that holds configuration key <paramref name="key"/>.</summary>
    public static string AppSettingName(string key) => key.Replace(ConfigurationPath.KeyDelimiter, "__", StringComparison.Ordinal);

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset GetNextOccurrence(DateTimeOffset after) =>
        new(DateTime.SpecifyKind(_cron.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));
}
