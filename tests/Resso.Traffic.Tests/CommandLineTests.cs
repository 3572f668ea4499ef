using Resso.Traffic.Cli;

namespace Resso.Traffic.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_NoArguments_UsesTheDefaults()
    {
        var options = CommandLine.Parse([]);

        Assert.Equal(TargetKind.Http, options.Target);
        Assert.Equal(new Uri("http://127.0.0.1:7071"), options.Url);
        Assert.Equal((4, 500, true, false, false), (options.Concurrency, options.Batch, options.Progress, options.Catalog, options.IfEmpty));
        Assert.Equal((10_000, 5_000, 2_000, 12, 0.10, 42, 7.0), (options.Traffic.Events, options.Traffic.Users, options.Traffic.Songs,
            options.Traffic.Clusters, options.Traffic.DuplicateRate, options.Traffic.Seed, options.Traffic.Days));
    }

    [Fact]
    public void Parse_EveryOption_IsRead()
    {
        var options = CommandLine.Parse(["--target=queue", "--connection", "UseDevelopmentStorage=true", "--prefix", "p1", "--events", "1_000",
            "--users", "10", "--songs", "50", "--clusters", "5", "--duplicates", "0.25", "--zipf", "0.9", "--seed", "-7", "--days", "2.5",
            "--concurrency", "8", "--batch", "100", "--no-progress"]);

        Assert.Equal(TargetKind.Queue, options.Target);
        Assert.Equal(("UseDevelopmentStorage=true", "p1"), (options.Connection, options.Prefix));
        Assert.Equal((1_000, 10, 50, 5, 0.25, 0.9, -7, 2.5), (options.Traffic.Events, options.Traffic.Users, options.Traffic.Songs,
            options.Traffic.Clusters, options.Traffic.DuplicateRate, options.Traffic.ZipfExponent, options.Traffic.Seed, options.Traffic.Days));
        Assert.Equal((8, 100, false), (options.Concurrency, options.Batch, options.Progress));
    }

    [Fact]
    public void Parse_RunAndWait_AreRead()
    {
        var options = CommandLine.Parse(["--run", "3", "--wait-timeout", "90"]);

        Assert.Equal((3, true, TimeSpan.FromSeconds(90)), (options.Traffic.Run, options.Wait, options.WaitTimeout));
        Assert.Equal((1, true), (CommandLine.Parse([]).Traffic.Run, CommandLine.Parse([]).Wait));
        Assert.False(CommandLine.Parse(["--no-wait"]).Wait);
        Assert.False(CommandLine.Parse(["--target", "file", "--out", "x.jsonl"]).Wait);
        Assert.False(CommandLine.Parse(["--target", "queue"]).Wait);
    }

    [Fact]
    public void Parse_Demo_SendsTheDemoEventsAndWaits()
    {
        var options = CommandLine.Parse(["--demo", "--url", "http://127.0.0.1:9", "--key", "k", "--connection", "UseDevelopmentStorage=true"]);

        Assert.Equal((CommandKind.Demo, TargetKind.Http, 20_000, true), (options.Command, options.Target, options.Traffic.Events, options.Wait));
        Assert.Equal(2_000, CommandLine.Parse(["--demo", "--events", "2000"]).Traffic.Events);
        Assert.Equal(600, options.FunnelOffers);
        Assert.Equal((60, 0), (CommandLine.Parse(["--demo", "--funnel-offers", "60"]).FunnelOffers, CommandLine.Parse(["--demo", "--funnel-offers=0"]).FunnelOffers));
    }

    [Theory]
    [InlineData("--run", "0")]
    [InlineData("--run", "x")]
    [InlineData("--wait", "--no-wait")]
    [InlineData("--target", "queue", "--wait")]
    [InlineData("--target", "file", "--out", "x.jsonl", "--wait-timeout", "5")]
    [InlineData("--wait-timeout", "0")]
    [InlineData("--demo", "--target", "file")]
    [InlineData("--demo", "--no-wait")]
    [InlineData("--demo", "--out", "x")]
    [InlineData("export", "--out", "x", "--demo")]
    [InlineData("export", "--out", "x", "--wait")]
    [InlineData("--demo", "--key", "k", "--funnel-offers", "-1")]
    [InlineData("--demo", "--key", "k", "--funnel-offers", "10001")]
    [InlineData("--demo", "--key", "k", "--funnel-offers", "many")]
    [InlineData("--funnel-offers", "60")]
    [InlineData("export", "--out", "x", "--funnel-offers", "60")]
    public async Task RunAsync_BadWaitRunOrDemoOptions_ExitsWith2AndSaysWhy(params string[] args)
    {
        var run = await Run.CommandAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task RunAsync_Help_ShowsMoreTrafficInTheDemoWorldFirst()
    {
        var run = await Run.CommandAsync(["--help"]);

        var more = run.Output.IndexOf("--events 50000 --run 2", StringComparison.Ordinal);
        Assert.InRange(more, 0, run.Output.IndexOf("Usage:", StringComparison.Ordinal));
        Assert.Contains("--demo", run.Output, StringComparison.Ordinal);
        Assert.Contains("--wait-timeout <s>", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--events", "abc")]
    [InlineData("--events", "-1")]
    [InlineData("--batch", "501")]
    [InlineData("--batch", "0")]
    [InlineData("--duplicates", "1")]
    [InlineData("--duplicates", "-0.1")]
    [InlineData("--days", "0")]
    [InlineData("--viral", "0.95")]
    [InlineData("--viral", "-0.1")]
    [InlineData("--days", "31")]
    [InlineData("--target", "ftp")]
    [InlineData("--bogus")]
    [InlineData("--seed")]
    [InlineData("--clusters", "0")]
    [InlineData("--songs", "10", "--clusters", "11")]
    [InlineData("--url", "not a url")]
    [InlineData("--url", "ftp://host")]
    [InlineData("--concurrency", "0")]
    [InlineData("--events", "5", "--events", "6")]
    [InlineData("--out", "x.jsonl")]
    [InlineData("--target", "file")]
    [InlineData("--target", "queue", "--catalog")]
    [InlineData("--target", "queue", "--if-empty")]
    [InlineData("--target", "file", "--out", "x.jsonl", "--url", "http://127.0.0.1:1")]
    [InlineData("--connection", "UseDevelopmentStorage=true")]
    [InlineData("--target", "queue", "--prefix", "Bad_Prefix")]
    [InlineData("--no-progress=yes")]
    [InlineData("stray")]
    public async Task RunAsync_BadOptions_ExitsWith2AndSaysWhy(params string[] args)
    {
        var run = await Run.CommandAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("--help", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task RunAsync_Help_PrintsUsageAndExits0(string flag)
    {
        var run = await Run.CommandAsync([flag]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--target <http|queue|file>", run.Output, StringComparison.Ordinal);
        Assert.Contains("Exit codes", run.Output, StringComparison.Ordinal);
    }
}
