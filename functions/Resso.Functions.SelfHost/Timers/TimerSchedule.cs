using NCrontab;
using Resso.Shared.Configuration;

namespace Resso.Functions.SelfHost.Timers;

/// <summary>
/// A timer trigger's schedule as the Functions host reads it: a six-field NCRONTAB expression
/// (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, evaluated in UTC), given literally
/// or as <c>%SettingName%</c>, resolved from app settings.
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
            source = schedule[1..^1];
            expression = configuration[source.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)]
                ?? throw new RessoConfigurationException(source, "is not set; it holds a timer's six-field NCRONTAB schedule, e.g. \"0 0 * * * *\" for hourly.");
        }

        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var cron = fields == 6
            ? CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true })
            : null;
        return cron is null
            ? throw new RessoConfigurationException(source, $"\"{expression}\" is not a six-field NCRONTAB schedule ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}), e.g. \"0 0 * * * *\" for hourly.")
            : new TimerSchedule(expression, cron);
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset GetNextOccurrence(DateTimeOffset after) =>
        new(DateTime.SpecifyKind(_cron.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));
}
