using System.Globalization;
using Resso.Traffic.Sending;

namespace Resso.Traffic.Tests;

/// <summary>
/// <c>--wait</c>: reading the backlog from the service's health report and waiting for it to drain. The
/// service is a local stand-in that answers only what these tests need; the end-to-end tests use the real one.
/// </summary>
public sealed class WaitTests
{
    private const string Report = """
        {"status":"healthy","queues":{
          "songUsed":{"name":"song-used","depth":37,"oldestMessageAgeSeconds":12.5,"poisonDepth":2,"processingLagSeconds":3},
          "modelRetrain":{"name":"model-retrain","depth":1,"oldestMessageAgeSeconds":null,"poisonDepth":0,"processingLagSeconds":null}}}
        """;

    private static string[] Args(FakeApi api, int events, params string[] more) =>
        ["--url", api.BaseAddress.ToString(), "--key", "test-key", "--events", events.ToString(CultureInfo.InvariantCulture), "--no-progress", .. more];

    [Fact]
    public void Parse_HealthWithQueues_ReadsTheSongUsedQueue()
    {
        Assert.Equal(new BacklogReading("song-used", 37, 12.5, 2, 3), HealthBacklogSource.Parse(Report));
    }

    [Fact]
    public void Parse_DrainedQueueWithNulls_IsDepthZero()
    {
        var reading = HealthBacklogSource.Parse("""{"queues":{"songUsed":{"name":"p1song-used","depth":0,"oldestMessageAgeSeconds":null,"poisonDepth":0,"processingLagSeconds":null}}}""");

        Assert.Equal(new BacklogReading("p1song-used", 0, null, 0, null), reading);
    }

    [Theory]
    [InlineData("""{"status":"healthy"}""")]
    [InlineData("""{"status":"healthy","queues":{}}""")]
    [InlineData("""{"status":"healthy","queues":null}""")]
    public void Parse_HealthWithoutQueues_IsNotReported(string body)
    {
        Assert.Null(HealthBacklogSource.Parse(body));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"queues":{"songUsed":{"name":"song-used"}}}""")]
    [InlineData("""{"queues":{"songUsed":{"depth":"many"}}}""")]
    public void Parse_Garbled_IsUnavailable(string body)
    {
        Assert.Throws<BacklogUnavailableException>(() => HealthBacklogSource.Parse(body));
    }

    [Fact]
    public async Task WaitAsync_DepthFalls_DrainsAndReportsTheDepthOnTheWay()
    {
        int?[] depths = [5, 5, 3, 1, 0];
        await using var api = await FakeApi.StartAsync(songUsedDepth: n => depths[Math.Min(n, depths.Length) - 1]);
        using var client = new HttpClient();
        var lines = new List<string>();
        var waiter = new BacklogWaiter(new HealthBacklogSource(client, api.BaseAddress), TimeProvider.System, lines.Add)
        {
            PollInterval = TimeSpan.FromMilliseconds(10),
            ReportInterval = TimeSpan.Zero,
        };

        var wait = await waiter.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(BacklogWaitResult.Drained, wait.Result);
        Assert.Equal(0, wait.Last!.Depth);
        Assert.Equal(5, api.HealthRequests);
        Assert.Equal(["depth 5", "depth 5", "depth 3", "depth 1"], lines.Select(l => l.Split(',')[0].Split("song-used ")[1]));
    }

    [Fact]
    public async Task WaitAsync_DepthStuck_GivesUpAfterTheTimeout()
    {
        await using var api = await FakeApi.StartAsync(songUsedDepth: _ => 4);
        using var client = new HttpClient();
        var waiter = new BacklogWaiter(new HealthBacklogSource(client, api.BaseAddress), TimeProvider.System, _ => { }) { PollInterval = TimeSpan.FromMilliseconds(20) };

        var wait = await waiter.WaitAsync(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);

        Assert.Equal(BacklogWaitResult.TimedOut, wait.Result);
        Assert.Equal(4, wait.Last!.Depth);
        Assert.InRange(wait.Waited, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WaitAsync_NothingListens_KeepsTryingThenTimesOutWithTheReason()
    {
        using var client = new HttpClient();
        var waiter = new BacklogWaiter(new HealthBacklogSource(client, new Uri("http://127.0.0.1:1")), TimeProvider.System, _ => { }) { PollInterval = TimeSpan.FromMilliseconds(20) };

        var wait = await waiter.WaitAsync(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);

        Assert.Equal(BacklogWaitResult.TimedOut, wait.Result);
        Assert.Null(wait.Last);
        Assert.Contains("/api/health", wait.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Wait_PrintsEnqueuedThenCountedOnceTheBacklogDrains()
    {
        await using var api = await FakeApi.StartAsync(songUsedDepth: n => n < 4 ? 2 : 0);

        // With progress: the depth is shown while waiting.
        var run = await Run.CommandAsync([.. Args(api, 1_000).Where(a => a != "--no-progress")]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(4, api.HealthRequests);
        Assert.Contains("events enqueued     1,000", run.Output, StringComparison.Ordinal);
        Assert.Contains("enqueue rate ", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"counted +\d[\d,]* distinct events, \d+\.\d s after the first send", run.Output);
        Assert.Matches(@"end to end +\d[\d,]* events/s", run.Output);
        Assert.Contains("song-used depth 2", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoWait_StopsOnceEnqueued()
    {
        await using var api = await FakeApi.StartAsync(songUsedDepth: _ => 2);

        var run = await Run.CommandAsync(Args(api, 600, "--no-wait"));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, api.HealthRequests);
        Assert.DoesNotContain("\ncounted ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BacklogDoesNotDrain_Exits1AfterTheWaitTimeoutAndSaysSo()
    {
        await using var api = await FakeApi.StartAsync(songUsedDepth: _ => 9);

        var run = await Run.CommandAsync(Args(api, 600, "--wait-timeout", "1"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("did not drain within 1 s (depth 9 messages)", run.Error, StringComparison.Ordinal);
        Assert.Contains("events enqueued     600", run.Output, StringComparison.Ordinal);
        Assert.Contains("counted             not all", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServiceWithoutQueueDepths_SaysItCannotTellAndExits0()
    {
        await using var api = await FakeApi.StartAsync();

        var run = await Run.CommandAsync(Args(api, 600));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(1, api.HealthRequests);
        Assert.Contains("reports no queue depths", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\ncounted ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_DepthZeroReadBeforeTheSend_IsNotDrained_UntilFiguresReadAfterIt()
    {
        var before = new DateTimeOffset(2026, 12, 3, 12, 0, 7, TimeSpan.Zero);
        // The service still shows the figures it read before the events arrived, then the backlog, then the drain.
        var source = new Readings(
            new BacklogReading("song-used", 0, null, 0, null, before),
            new BacklogReading("song-used", 0, null, 0, null, before),
            new BacklogReading("song-used", 12, 1.5, 0, null, before.AddSeconds(5)),
            new BacklogReading("song-used", 0, null, 0, null, before.AddSeconds(10)));
        var waiter = new BacklogWaiter(source, TimeProvider.System, _ => { }) { PollInterval = TimeSpan.FromMilliseconds(1) };

        var wait = await waiter.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(BacklogWaitResult.Drained, wait.Result);
        Assert.Equal(4, source.Read);
        Assert.Equal(before.AddSeconds(10), wait.Last!.CheckedAt);
    }

    [Fact]
    public async Task Wait_FirstFiguresReadJustBeforeTheAnswer_AreNotTrusted_OnlyAFreshRead()
    {
        // Figures read a moment before the first answer may still predate the send's last messages
        // (the service's Date header can lag its clock by a second on a busy host): only the next
        // read, made after those figures expired, counts.
        var read = new DateTimeOffset(2026, 12, 3, 12, 0, 9, 800, TimeSpan.Zero);
        var source = new Readings(
            new BacklogReading("song-used", 0, null, 0, null, read),
            new BacklogReading("song-used", 3, null, 0, null, read.AddSeconds(5)),
            new BacklogReading("song-used", 0, null, 0, null, read.AddSeconds(10)));
        var waiter = new BacklogWaiter(source, TimeProvider.System, _ => { }) { PollInterval = TimeSpan.FromMilliseconds(1) };

        var wait = await waiter.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(BacklogWaitResult.Drained, wait.Result);
        Assert.Equal(3, source.Read);
    }

    [Fact]
    public void Parse_HealthWithCheckedAt_ReadsIt()
    {
        var reading = HealthBacklogSource.Parse("""{"queues":{"songUsed":{"name":"song-used","depth":0,"oldestMessageAgeSeconds":null,"poisonDepth":0,"processingLagSeconds":null,"error":null,"checkedAt":"2026-12-03T12:00:07+00:00"}}}""");

        Assert.Equal(new DateTimeOffset(2026, 12, 3, 12, 0, 7, TimeSpan.Zero), reading!.CheckedAt);
    }

    /// <summary>Answers the given readings in turn, then the last one again.</summary>
    private sealed class Readings(params BacklogReading[] readings) : IBacklogSource
    {
        public int Read { get; private set; }

        public string Description => "readings";

        public Task<BacklogReading?> ReadAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<BacklogReading?>(readings[Math.Min(Read++, readings.Length - 1)]);
    }
}
