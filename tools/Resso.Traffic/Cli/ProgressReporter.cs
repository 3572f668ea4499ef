using System.Globalization;
using System.Text;

namespace Resso.Traffic.Cli;

/// <summary>What the progress line shows, read on every redraw.</summary>
/// <param name="Done">Items finished (sent or failed).</param>
/// <param name="Errors">Items that failed.</param>
/// <param name="Retries">Requests repeated.</param>
internal readonly record struct ProgressSnapshot(long Done, long Errors, long Retries);

/// <summary>
/// One progress line on stderr: redrawn in place a few times a second on a terminal, or a plain
/// line every few seconds when stderr is redirected. Messages printed through it keep the line intact.
/// </summary>
internal sealed class ProgressReporter : IAsyncDisposable
{
    private const int BarWidth = 24;

    private readonly TextWriter _error;
    private readonly TimeProvider _time;
    private readonly bool _interactive;
    private readonly bool _enabled;
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private string _phase = "";
    private string _unit = "";
    private long _total;
    private long _started;
    private Func<ProgressSnapshot> _read = static () => default;
    private int _drawnLength;
    private int _disposed;

    public ProgressReporter(TextWriter error, TimeProvider time, bool interactive, bool enabled)
    {
        _error = error;
        _time = time;
        _interactive = interactive;
        _enabled = enabled;
    }

    /// <summary>Shows a new phase (e.g. <c>catalog</c>, then <c>events</c>); the previous one's last state stays on screen.</summary>
    public void Start(string phase, string unit, long total, Func<ProgressSnapshot> read)
    {
        if (!_enabled)
        {
            return;
        }

        if (_phase.Length > 0)
        {
            Draw(); // the previous phase's last state stays on screen
        }

        lock (_lock)
        {
            FinishLine();
            _phase = phase;
            _unit = unit;
            _total = total;
            _read = read;
            _started = _time.GetTimestamp();
        }

        var period = _interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
        _timer ??= _time.CreateTimer(_ => Draw(), null, period, period);
        Draw();
    }

    /// <summary>Prints <paramref name="message"/> on its own line above the progress line.</summary>
    public void WriteLine(string message)
    {
        lock (_lock)
        {
            if (_interactive && _drawnLength > 0)
            {
                _error.Write('\r' + new string(' ', _drawnLength) + '\r');
                _drawnLength = 0;
            }

            _error.WriteLine(message);
            _error.Flush();
        }

        if (_enabled && _interactive && _phase.Length > 0)
        {
            Draw();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        if (_enabled && _phase.Length > 0)
        {
            Draw();
            lock (_lock)
            {
                FinishLine();
            }
        }
    }

    private void FinishLine()
    {
        if (_interactive && _drawnLength > 0)
        {
            _error.WriteLine();
            _drawnLength = 0;
        }
    }

    private void Draw()
    {
        lock (_lock)
        {
            var line = Render(_read(), _time.GetElapsedTime(_started));
            if (_interactive)
            {
                _error.Write('\r' + line + (line.Length < _drawnLength ? new string(' ', _drawnLength - line.Length) : ""));
                _drawnLength = line.Length;
            }
            else
            {
                _error.WriteLine(line);
            }

            _error.Flush();
        }
    }

    private string Render(ProgressSnapshot snapshot, TimeSpan elapsed)
    {
        var fraction = _total > 0 ? Math.Clamp((double)snapshot.Done / _total, 0, 1) : 1;
        var filled = (int)Math.Round(fraction * BarWidth);
        var rate = elapsed.TotalSeconds > 0 ? snapshot.Done / elapsed.TotalSeconds : 0;
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{_phase,-7} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {fraction,4:P0}");
        line.Append(CultureInfo.InvariantCulture, $"  {snapshot.Done:N0}/{_total:N0} {_unit}  {rate:N0} {_unit}/s  errors {snapshot.Errors:N0}");
        if (snapshot.Retries > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $"  retries {snapshot.Retries:N0}");
        }

        line.Append(CultureInfo.InvariantCulture, $"  {elapsed.TotalSeconds:0.0}s");
        return line.ToString();
    }
}
