namespace Resso.Functions.SelfHost.Queues;

/// <summary>
/// How long to wait before polling an empty queue again: like the Functions host, start at 100 ms,
/// double after each empty poll up to <c>maxPollingInterval</c>, and start over as soon as a
/// message arrives. A ±20 % jitter keeps several instances from polling in lockstep.
/// </summary>
internal sealed class PollingBackoff(TimeSpan maximum, Random random)
{
    public static readonly TimeSpan Minimum = TimeSpan.FromMilliseconds(100);

    private TimeSpan _current = TimeSpan.Zero;

    public TimeSpan Next()
    {
        _current = _current == TimeSpan.Zero ? Minimum : _current * 2;
        if (_current > maximum)
        {
            _current = maximum;
        }

        var jittered = _current * (0.8 + (0.4 * random.NextDouble()));
        return jittered > maximum ? maximum : jittered;
    }

    public void Reset() => _current = TimeSpan.Zero;
}
