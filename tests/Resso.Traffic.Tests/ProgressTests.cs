using Azure;
using Resso.Traffic.Cli;
using Resso.Traffic.Storage;

namespace Resso.Traffic.Tests;

public sealed class ProgressTests
{
    [Fact]
    public async Task Start_RedirectedStderr_WritesAPlainLineEveryFewSeconds()
    {
        var clock = Builders.Clock();
        using var error = new StringWriter();
        var done = 0L;
        await using (var progress = new ProgressReporter(error, clock, interactive: false, enabled: true))
        {
            progress.Start("events", "events", 1_000, () => new ProgressSnapshot(done, 2, 1));
            done = 500;
            clock.Advance(TimeSpan.FromSeconds(5));
            done = 1_000;
        }

        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("0/1,000 events", lines[0], StringComparison.Ordinal);
        Assert.Contains("500/1,000 events  100 events/s  errors 2  retries 1", lines[1], StringComparison.Ordinal);
        Assert.Contains("[########################] 100 %", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain('\r', error.ToString());
    }

    [Fact]
    public async Task WriteLine_OnATerminal_ClearsAndRedrawsTheProgressLine()
    {
        var clock = Builders.Clock();
        using var error = new StringWriter();
        await using (var progress = new ProgressReporter(error, clock, interactive: true, enabled: true))
        {
            progress.Start("events", "events", 10, () => new ProgressSnapshot(5, 0, 0));
            progress.WriteLine("error: something");
        }

        // Drawn in place, wiped for the message, drawn again below it, and ended with a new line.
        Assert.Matches(@"^\revents  \[#{12}\.{12}\][^\r\n]*\r +\rerror: something\n\revents  [^\n]*\n$", error.ToString());
    }

    [Fact]
    public async Task Start_Disabled_WritesNothing()
    {
        using var error = new StringWriter();
        await using (var progress = new ProgressReporter(error, Builders.Clock(), interactive: true, enabled: false))
        {
            progress.Start("events", "events", 10, () => new ProgressSnapshot(5, 0, 0));
        }

        Assert.Equal("", error.ToString());
    }

    [Fact]
    public void Describe_StorageRetriesExhausted_IsOneLine()
    {
        var failure = new AggregateException(new RequestFailedException("Connection refused (127.0.0.1:10001)\nStatus: 0"), new RequestFailedException("Connection refused (127.0.0.1:10001)\nStatus: 0"));

        Assert.Equal("storage did not answer after 2 tries: Connection refused (127.0.0.1:10001)", StorageErrors.Describe(failure));
        Assert.Null(StorageErrors.Describe(new InvalidOperationException("other")));
    }
}
