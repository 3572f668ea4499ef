using Microsoft.Extensions.Configuration;
using Resso.Functions.SelfHost.Timers;
using Resso.Shared.Configuration;

namespace Resso.Functions.Tests.Timers;

public sealed class TimerScheduleTests
{
    private static readonly IConfiguration Settings = new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["Resso:Training:Schedule"] = "0 0 * * * *", ["Bad:Schedule"] = "0 * * * *" })
        .Build();

    [Theory]
    [InlineData("0 0 * * * *", "2026-11-25T10:20:30Z", "2026-11-25T11:00:00Z")]
    [InlineData("*/15 * * * * *", "2026-11-25T10:20:30Z", "2026-11-25T10:20:45Z")]
    [InlineData("0 30 9 * * 1-5", "2026-11-27T10:00:00Z", "2026-11-30T09:30:00Z")] // Friday after 9:30 → Monday
    [InlineData("0 0 0 1 1 *", "2026-11-25T00:00:00Z", "2027-01-01T00:00:00Z")]
    public void GetNextOccurrence_SixFieldExpression_IsTheNextMatchingSecondInUtc(string expression, string after, string expected)
    {
        var schedule = TimerSchedule.Resolve(expression, Settings);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), schedule.GetNextOccurrence(DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void GetNextOccurrence_AtAnOccurrence_IsTheFollowingOne()
    {
        var schedule = TimerSchedule.Resolve("0 0 * * * *", Settings);
        var onTheHour = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

        Assert.Equal(onTheHour.AddHours(1), schedule.GetNextOccurrence(onTheHour));
    }

    [Fact]
    public void Resolve_PercentConfigurationKey_ReadsTheAppSetting()
    {
        var schedule = TimerSchedule.Resolve("%Resso:Training:Schedule%", Settings);

        Assert.Equal("0 0 * * * *", schedule.Expression);
    }

    [Fact]
    public void Resolve_SettingMissing_NamesItAsAnAppSetting()
    {
        var ex = Assert.Throws<RessoConfigurationException>(() => TimerSchedule.Resolve("%Resso:Nope:Schedule%", Settings));

        Assert.Equal("Resso__Nope__Schedule", ex.Setting);
        Assert.Contains("is not set", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AppSettingNameInPercents_DoesNotResolveAsOnTheFunctionsHost()
    {
        // The setting exists (as Resso:Training:Schedule), but the host's name resolver looks the
        // name up as it is written; an environment variable's "__" is ":" by then.
        var ex = Assert.Throws<RessoConfigurationException>(() => TimerSchedule.Resolve("%Resso__Training__Schedule%", Settings));

        Assert.Equal("Resso__Training__Schedule", ex.Setting);
        Assert.Contains("%Resso:Training:Schedule%", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%Bad:Schedule%", "Bad__Schedule")] // five fields: standard cron, not NCRONTAB with seconds
    [InlineData("0 0 25 * * *", "0 0 25 * * *")]
    [InlineData("every hour", "every hour")]
    public void Resolve_NotSixFieldNcrontab_NamesTheSourceAndShowsAnExample(string schedule, string setting)
    {
        var ex = Assert.Throws<RessoConfigurationException>(() => TimerSchedule.Resolve(schedule, Settings));

        Assert.Equal(setting, ex.Setting);
        Assert.Contains("six-field NCRONTAB", ex.Message, StringComparison.Ordinal);
    }
}
