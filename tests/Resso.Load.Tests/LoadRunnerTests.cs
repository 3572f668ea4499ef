using System.Diagnostics;
using Resso.Load.Engine;
using Resso.Load.Scenarios;

namespace Resso.Load.Tests;

public sealed class LoadRunnerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_RequestCount_MeasuresExactlyThatManyAndCountsStatusCodesPerTemplate()
    {
        await using var server = await TestServer.StartAsync();
        var scenario = Builders.Mix(("/api/ok", 2), ("/api/missing", 1), ("/api/unavailable", 1));
        var options = Builders.Options(server.BaseAddress) with { Requests = 400, Duration = TimeSpan.FromSeconds(30) };

        var result = await new LoadRunner().RunAsync(scenario, options, cancellationToken: Token);

        Assert.Equal(400, result.Total.Requests);
        Assert.False(result.Interrupted);
        Assert.Equal(0, result.WarmupRequests);
        var (ok, missing, unavailable) = (result.Templates[0].Stats, result.Templates[1].Stats, result.Templates[2].Stats);
        Assert.Equal(400, ok.Requests + missing.Requests + unavailable.Requests);
        Assert.Equal(new Dictionary<int, long> { [200] = ok.Requests }, ok.StatusCodes);
        Assert.Equal(new Dictionary<int, long> { [404] = missing.Requests }, missing.StatusCodes);
        Assert.Equal(new Dictionary<int, long> { [503] = unavailable.Requests }, unavailable.StatusCodes);
        Assert.Equal(new Dictionary<int, long> { [200] = ok.Requests, [404] = missing.Requests, [503] = unavailable.Requests }, result.Total.StatusCodes);
        Assert.Equal((0L, missing.Requests + unavailable.Requests), (ok.Errors, result.Total.Errors));
        Assert.Empty(result.Total.TransportErrors);
        Assert.InRange(ok.Requests, 150, 250); // weight 2 of 4

        // The server saw every measured request, plus at most one in flight per connection when the count was reached.
        foreach (var (route, stats) in new[] { ("ok", ok), ("missing", missing), ("unavailable", unavailable) })
        {
            Assert.InRange(server.Hits(route), stats.Requests, stats.Requests + options.Connections);
        }

        Assert.Equal(ok.Requests * "ok".Length, ok.Bytes);
        Assert.Equal(400, result.Total.Latency.Count);
        Assert.True(result.Elapsed > TimeSpan.Zero && result.Elapsed < TimeSpan.FromSeconds(30));
        var latency = result.Summary.Latency;
        Assert.True(0 < latency.MinMs && latency.MinMs <= latency.P50Ms && latency.P50Ms <= latency.P99Ms && latency.P99Ms <= latency.MaxMs, latency.ToString());
    }

    [Fact]
    public async Task RunAsync_FixedDuration_WarmsUpMeasuresAndStopsByItself()
    {
        await using var server = await TestServer.StartAsync();
        var options = Builders.Options(server.BaseAddress) with { Warmup = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(1) };
        var clock = Stopwatch.StartNew();

        var result = await new LoadRunner().RunAsync(Builders.Get("/api/health"), options, cancellationToken: Token);

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8));
        Assert.Equal(TimeSpan.FromSeconds(1), result.Elapsed);
        Assert.True(result.WarmupRequests > 0, "nothing was sent during the warm-up");
        Assert.True(result.Total.Requests > 0, "nothing was measured");
        Assert.Equal(result.Total.Requests, result.RequestsPerSecond, 6);
        Assert.Equal(new Dictionary<int, long> { [200] = result.Total.Requests }, result.Total.StatusCodes);
        Assert.Equal(result.Total.Requests * TestServer.HealthBody.Length, result.Total.Bytes);
        Assert.InRange(server.Hits("health"), result.WarmupRequests + result.Total.Requests, result.WarmupRequests + result.Total.Requests + options.Connections);
    }

    [Fact]
    public async Task RunAsync_Placeholders_AreFilledInEveryRequestTheServerSees()
    {
        await using var server = await TestServer.StartAsync();
        var template = new RequestTemplate("/api/echo/{song}?userId={user}&region=ID")
        {
            Method = "POST",
            Headers = [new("x-functions-key", "k-1")],
            Body = """{"songId":"{song}"}""",
        };
        var scenario = Scenario.Single(template, Builders.Pools(("song", ["s_1", "s_2"]), ("user", ["u 1", "u_2"])));
        var options = Builders.Options(server.BaseAddress, connections: 2) with { Requests = 50, Duration = TimeSpan.FromSeconds(30) };

        var result = await new LoadRunner().RunAsync(scenario, options, cancellationToken: Token);

        Assert.Equal(new Dictionary<int, long> { [200] = 50 }, result.Total.StatusCodes);
        string[] paths = ["/api/echo/s_1?userId=u%201&region=ID", "/api/echo/s_1?userId=u_2&region=ID", "/api/echo/s_2?userId=u%201&region=ID", "/api/echo/s_2?userId=u_2&region=ID"];
        Assert.All(server.Echoes, echo =>
        {
            Assert.Contains(echo.PathAndQuery, paths);
            Assert.Equal("k-1", echo.Key);
            Assert.Contains(echo.Body, new[] { """{"songId":"s_1"}""", """{"songId":"s_2"}""" });
        });
        Assert.Equal(paths.ToHashSet(), server.Echoes.Select(e => e.PathAndQuery).ToHashSet());
    }

    [Fact]
    public async Task RunAsync_AnswersSlowerThanTheTimeout_AreCountedAsTimeoutsAndTheRunStillEnds()
    {
        await using var server = await TestServer.StartAsync();
        var options = Builders.Options(server.BaseAddress, connections: 2) with
        {
            Duration = TimeSpan.FromMilliseconds(700),
            RequestTimeout = TimeSpan.FromMilliseconds(200),
        };
        var clock = Stopwatch.StartNew();

        var result = await new LoadRunner().RunAsync(Builders.Get("/api/slow"), options, cancellationToken: Token);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        Assert.True(result.Total.Requests > 0);
        Assert.Equal(new Dictionary<string, long> { [RequestStats.Timeout] = result.Total.Requests }, result.Total.TransportErrors);
        Assert.Equal((0, 1.0), (result.Total.Latency.Count, result.Total.ErrorRate));
    }

    [Fact]
    public async Task RunAsync_ConnectionDroppedMidRequest_IsATransportError()
    {
        await using var server = await TestServer.StartAsync();
        var options = Builders.Options(server.BaseAddress, connections: 2) with { Requests = 20, Duration = TimeSpan.FromSeconds(30) };

        var result = await new LoadRunner().RunAsync(Builders.Get("/api/abort"), options, cancellationToken: Token);

        Assert.Equal((20L, 20L, 0L), (result.Total.Requests, result.Total.TransportErrorCount, result.Total.Answered));
        Assert.NotEmpty(result.Total.TransportErrors);
    }

    [Fact]
    public async Task RunAsync_NothingListening_CountsConnectionErrors()
    {
        var port = FreePort();
        var options = Builders.Options(new Uri($"http://127.0.0.1:{port}"), connections: 2) with { Duration = TimeSpan.FromMilliseconds(300) };

        var result = await new LoadRunner().RunAsync(Builders.Get("/api/health"), options, cancellationToken: Token);

        Assert.True(result.Total.Requests > 0);
        Assert.Equal(result.Total.Requests, result.Total.TransportErrors.GetValueOrDefault(nameof(HttpRequestError.ConnectionError)));
    }

    [Fact]
    public async Task RunAsync_Cancelled_ReturnsWhatWasMeasuredAndSaysSo()
    {
        await using var server = await TestServer.StartAsync();
        var options = Builders.Options(server.BaseAddress) with { Duration = TimeSpan.FromSeconds(30), ProgressInterval = TimeSpan.FromMilliseconds(50) };
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        // Cancelled once something was measured (a fixed delay can end before a cold first request does).
        var cancelledAt = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Requests > 0 && !cancel.IsCancellationRequested)
            {
                cancelledAt = clock.Elapsed;
                cancel.Cancel();
            }
        });

        var result = await new LoadRunner().RunAsync(Builders.Get("/api/ok"), options, progress, cancel.Token);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.True(result.Interrupted);
        Assert.InRange(result.Elapsed, TimeSpan.FromTicks(1), cancelledAt + TimeSpan.FromSeconds(1));
        Assert.True(result.Total.Requests > 0);
    }

    [Fact]
    public async Task RunAsync_Progress_IsReportedWhileRunning()
    {
        await using var server = await TestServer.StartAsync();
        var options = Builders.Options(server.BaseAddress) with { ProgressInterval = TimeSpan.FromMilliseconds(200) };
        var reports = new List<LoadProgress>();

        await new LoadRunner().RunAsync(Builders.Get("/api/ok"), options, new SynchronousProgress(reports.Add), Token);

        Assert.InRange(reports.Count, 2, 6);
        Assert.All(reports, r => Assert.True(r.Measuring));
        Assert.True(reports[^1].Requests >= reports[0].Requests);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class SynchronousProgress(Action<LoadProgress> report) : IProgress<LoadProgress>
    {
        public void Report(LoadProgress value) => report(value);
    }
}
