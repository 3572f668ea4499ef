using Resso.Load.Cli;

namespace Resso.Load.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_OnlyAPath_UsesTheDefaults()
    {
        var options = CommandLine.Parse(["run", "--path", "/api/health"]);

        Assert.Equal((LoadMode.Run, "/api/health", "GET"), (options.Mode, options.Path, options.Method));
        var load = options.Load;
        Assert.Equal(new Uri("http://127.0.0.1:7071"), load.BaseAddress);
        Assert.Equal((32, 5.0, 20.0, 10.0, 42, (long?)null), (load.Connections, load.Warmup.TotalSeconds, load.Duration.TotalSeconds,
            load.RequestTimeout.TotalSeconds, load.Seed, load.Requests));
        Assert.Equal((1, "/api/health", 0.01, true), (options.Rounds, options.BaselinePath, options.MaxErrorRate, options.Progress));
    }

    [Fact]
    public void Parse_EveryOption_IsRead()
    {
        var options = CommandLine.Parse(["compare", "--path=/api/x/{song}", "--method", "POST", "--body", "{}", "--content-type", "text/plain",
            "--header", "a: 1", "--header", "b:2", "--key", "k", "--users", "u1,u2", "--songs", "s1", "--videos", "v1", "--regions", "ID",
            "--pool", "clip=c1..3", "--url", "http://[::1]:5000", "--connections", "64", "--warmup", "500ms", "--duration", "2m",
            "--timeout", "1.5s", "--seed", "-3", "--rounds", "5", "--baseline", "/api/model", "--settle", "45s", "--json", "out.json",
            "--max-error-rate", "0", "--no-progress"]);

        Assert.Equal((LoadMode.Compare, "/api/x/{song}", "POST", "{}", "text/plain"), (options.Mode, options.Path, options.Method, options.Body, options.ContentType));
        Assert.Equal([new("a", "1"), new("b", "2"), new("x-functions-key", "k")], options.Headers);
        Assert.Equal([new("user", "u1,u2"), new("song", "s1"), new("video", "v1"), new("region", "ID"), new("clip", "c1..3")], options.Pools);
        var load = options.Load;
        Assert.Equal((new Uri("http://[::1]:5000"), 64, 0.5, 120.0, 1.5, -3), (load.BaseAddress, load.Connections, load.Warmup.TotalSeconds,
            load.Duration.TotalSeconds, load.RequestTimeout.TotalSeconds, load.Seed));
        Assert.Equal((5, "/api/model", "out.json", 0.0, false), (options.Rounds, options.BaselinePath, options.Json, options.MaxErrorRate, options.Progress));
        Assert.Equal(TimeSpan.FromSeconds(45), options.Settle);
    }

    [Fact]
    public void Parse_RequestCount_CapsTheMeasurementAtTenMinutesUnlessToldOtherwise()
    {
        Assert.Equal((1_000L, TimeSpan.FromMinutes(10)), Read(CommandLine.Parse(["run", "--path", "/a", "--requests", "1_000"])));
        Assert.Equal((5L, TimeSpan.FromSeconds(3)), Read(CommandLine.Parse(["run", "--path", "/a", "--requests", "5", "--duration", "3"])));

        static (long?, TimeSpan) Read(CommandOptions o) => (o.Load.Requests, o.Load.Duration);
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("5s", 5)]
    [InlineData("20", 20)]
    [InlineData("2m", 120)]
    [InlineData("1.5min", 90)]
    [InlineData("1h", 3600)]
    [InlineData("0", 0)]
    public void ParseTime_Units_AreRead(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), CommandLine.ParseTime(text));
    }

    [Theory]
    [InlineData]
    [InlineData("bench")]
    [InlineData("run")]
    [InlineData("run", "--path", "/a", "--mix", "m.json")]
    [InlineData("run", "--path", "/a", "--rounds", "2")]
    [InlineData("run", "--path", "/a", "--connections", "0")]
    [InlineData("run", "--path", "/a", "--connections", "257")]
    [InlineData("run", "--path", "/a", "--duration", "0")]
    [InlineData("run", "--path", "/a", "--duration", "soon")]
    [InlineData("run", "--path", "/a", "--warmup", "-1s")]
    [InlineData("run", "--path", "/a", "--requests", "0")]
    [InlineData("run", "--path", "/a", "--timeout", "0")]
    [InlineData("run", "--path", "/a", "--max-error-rate", "2")]
    [InlineData("run", "--path", "/a", "--body", "x", "--body-file", "y")]
    [InlineData("run", "--path", "/a", "--content-type", "text/plain")]
    [InlineData("run", "--path", "/a", "--header", "no colon")]
    [InlineData("run", "--path", "/a", "--pool", "=x")]
    [InlineData("run", "--path", "/a", "--key", "k", "--header", "x-functions-key: j")]
    [InlineData("run", "--path", "/a", "--duration", "1s", "--duration", "2s")]
    [InlineData("run", "--path", "/a", "--bogus")]
    [InlineData("run", "--path", "/a", "stray")]
    [InlineData("run", "--path", "/a", "--no-progress=yes")]
    [InlineData("run", "--path", "/api/{nopool}")]
    [InlineData("run", "--path", "api/health")]
    [InlineData("run", "--path", "/a", "--method", "GE T")]
    [InlineData("run", "--mix", "no-such-mix.json")]
    [InlineData("run", "--mix", "m.json", "--method", "POST")]
    [InlineData("compare", "--path", "/a", "--rounds", "0")]
    [InlineData("run", "--path", "/a", "--settle", "30s")]
    [InlineData("compare", "--path", "/a", "--settle", "-5s")]
    [InlineData("compare", "--path", "/a", "--settle", "2h")]
    [InlineData("compare", "--path", "/a", "--baseline", "health")]
    public async Task RunAsync_BadOptions_ExitsWith2AndSaysWhy(params string[] args)
    {
        var run = await Run.CommandAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task RunAsync_Help_PrintsUsage()
    {
        var run = await Run.CommandAsync(["--help"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("compare --path <path>", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Reproduce_SecretsAndShellCharacters_AreRedactedAndQuoted()
    {
        var command = CommandLine.Reproduce("load --", ["compare", "--path", "/api/songs/{song}/offer?userId={user}&region=ID", "--key", "s3cret",
            "--header", "Authorization: Bearer s3cret", "--header=x-trace: 1", "--key=s3cret", "--body", "it's"]);

        Assert.DoesNotContain("s3cret", command, StringComparison.Ordinal);
        Assert.Equal(
            "load -- compare --path '/api/songs/{song}/offer?userId={user}&region=ID' --key '<redacted>' --header 'Authorization: <redacted>' "
            + "'--header=x-trace: 1' '--key=<redacted>' --body 'it'\\''s'",
            command);
    }
}
