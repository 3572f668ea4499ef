namespace Resso.Traffic.Generation;

/// <summary>
/// Spreads event times over a window with a daily rhythm: busiest around 13:00 UTC (evening in
/// South-East Asia, morning in the Americas), quietest twelve hours later. Times are drawn by
/// inverting the cumulative activity, so the n-th of N events lands at quantile (n + u) / N and
/// the stream is in time order: a video's views never come before its creation.
/// </summary>
internal sealed class DailyRhythm
{
    private const double PeakHourUtc = 13;
    private const double Trough = 0.3;

    private readonly long[] _startTicks;
    private readonly double[] _cumulative;
    private readonly long _endTicks;

    public DailyRhythm(DateTimeOffset start, DateTimeOffset end)
    {
        var starts = new List<long>();
        var cumulative = new List<double>();
        var sum = 0.0;
        var at = start.UtcTicks;
        var stop = end.UtcTicks;
        while (at < stop)
        {
            var nextHour = (at / TimeSpan.TicksPerHour + 1) * TimeSpan.TicksPerHour;
            var until = Math.Min(nextHour, stop);
            var hour = at / TimeSpan.TicksPerHour % 24;
            starts.Add(at);
            sum += (until - at) * Activity(hour);
            cumulative.Add(sum);
            at = until;
        }

        _startTicks = [.. starts];
        _cumulative = [.. cumulative];
        _endTicks = stop;
    }

    /// <summary>Relative activity in an hour of the day (UTC).</summary>
    public static double Activity(long hourUtc) =>
        Trough + (1 - Trough) * (1 + Math.Cos(2 * Math.PI * (hourUtc - PeakHourUtc) / 24)) / 2;

    /// <summary>The time at <paramref name="quantile"/> (0–1) of the window's activity, in whole milliseconds, never after its end.</summary>
    public DateTimeOffset At(double quantile)
    {
        if (_startTicks.Length == 0)
        {
            return Truncate(_endTicks);
        }

        var target = Math.Clamp(quantile, 0, 1) * _cumulative[^1];
        var i = Array.BinarySearch(_cumulative, target);
        i = i < 0 ? ~i : i;
        i = Math.Min(i, _cumulative.Length - 1);
        var before = i == 0 ? 0 : _cumulative[i - 1];
        var end = i + 1 < _startTicks.Length ? _startTicks[i + 1] : _endTicks;
        var fraction = _cumulative[i] > before ? (target - before) / (_cumulative[i] - before) : 0;
        var ticks = _startTicks[i] + (long)((end - _startTicks[i]) * fraction);
        return Truncate(Math.Min(ticks, _endTicks));
    }

    private static DateTimeOffset Truncate(long ticks) =>
        new(ticks - ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}
