using Resso.Load.Engine;

namespace Resso.Load.Tests;

public sealed class LoopbackTests
{
    [Theory]
    [InlineData("http://example.com")]
    [InlineData("http://10.0.0.1:7071")]
    [InlineData("http://127.0.0.2:7071")]
    [InlineData("https://192.168.1.10")]
    [InlineData("http://[::2]:7071")]
    [InlineData("http://localhost.example.com:7071")]
    [InlineData("http://0.0.0.0:7071")]
    public async Task Command_UrlNotOnLoopback_ExitsWith2BeforeSendingAnything(string url)
    {
        foreach (var mode in new[] { "run", "compare" })
        {
            var run = await Run.CommandAsync([mode, "--url", url, "--path", "/api/health", "--duration", "1s", "--warmup", "0"]);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("loopback", run.Error, StringComparison.Ordinal);
            Assert.Empty(run.Output);
        }
    }

    [Fact]
    public async Task RunAsync_UrlNotOnLoopback_Throws()
    {
        var options = new LoadOptions { BaseAddress = new Uri("http://10.255.255.1:80"), Warmup = TimeSpan.Zero };

        var ex = await Assert.ThrowsAsync<UsageException>(() =>
            new LoadRunner().RunAsync(Builders.Get("/api/health"), options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("loopback", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7071")]
    [InlineData("http://[::1]:7071")]
    [InlineData("http://localhost:7071")]
    [InlineData("https://LOCALHOST")]
    public void Check_LoopbackHosts_AreAccepted(string url)
    {
        Assert.True(Loopback.IsLoopback(new Uri(url)));
        Loopback.Check(new Uri(url));
    }

    [Theory]
    [InlineData("http://127.0.0.1:7071/api")]
    [InlineData("http://127.0.0.1:7071/?x=1")]
    [InlineData("ftp://127.0.0.1")]
    public void Check_LoopbackWithAPathOrOtherScheme_IsRefused(string url)
    {
        Assert.Throws<UsageException>(() => Loopback.Check(new Uri(url)));
    }
}
