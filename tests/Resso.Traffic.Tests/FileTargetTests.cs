using System.Text.Json;
using Resso.Shared.Events;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Tests;

public sealed class FileTargetTests
{
    [Fact]
    public async Task RunAsync_FileTarget_WritesOneJsonEventPerLineInOrder()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "events.jsonl");
        var clock = Builders.Clock();

        var run = await Run.CommandAsync(["--target", "file", "--out", path, "--events", "1200", "--seed", "7", "--no-progress"], clock);

        Assert.Equal(0, run.ExitCode);
        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        var expected = new TrafficGenerator(new TrafficOptions { Events = 1_200, Seed = 7 }, clock).Generate().Select(e => e.Event).ToList();
        Assert.Equal(expected.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            Assert.Equal(["eventId", "userId", "songId", "videoId", "action", "region", "occurredAt", "segment"], json.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal(expected[i], JsonSerializer.Deserialize(lines[i], EventJsonContext.Default.SongUsedEvent));
        }

        Assert.Contains("lines written       1,200", run.Output, StringComparison.Ordinal);
        Assert.Contains("by action (distinct events)\n  create", run.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FileInMissingFolder_FailsWithExitCode1()
    {
        using var folder = new TempFolder();

        var run = await Run.CommandAsync(["--target", "file", "--out", Path.Combine(folder.Path, "no", "such", "events.jsonl"), "--no-progress"]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
    }
}
