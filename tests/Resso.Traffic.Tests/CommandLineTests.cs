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

    [Theory]
    [InlineData("--events", "abc")]
    [InlineData("--events", "-1")]
    [InlineData("--batch", "501")]
    [InlineData("--batch", "0")]
    [InlineData("--duplicates", "1")]
    [InlineData("--duplicates", "-0.1")]
    [InlineData("--days", "0")]
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
