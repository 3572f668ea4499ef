using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resso.Load.Tests;

/// <summary>
/// Kestrel on a free 127.0.0.1 port with a few fixed routes; counts what it answers, per route,
/// and remembers the paths, queries and headers it saw.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    public const string HealthBody = """{"status":"healthy"}""";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);

    private TestServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Requests seen per route name (the first path segment after /api/).</summary>
    public int Hits(string route) => _hits.GetValueOrDefault(route);

    /// <summary>Every /api/echo request: path and query as received, and its x-functions-key header and body.</summary>
    public ConcurrentQueue<(string PathAndQuery, string Key, string Body)> Echoes { get; } = new();

    public static async Task<TestServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new TestServer(app);

        app.MapGet("/api/health", () => server.Count("health", Results.Text(HealthBody, "application/json")));
        app.MapGet("/api/ok", () => server.Count("ok", Results.Text("ok")));
        app.MapGet("/api/missing", () => server.Count("missing", Results.NotFound()));
        app.MapGet("/api/unavailable", () => server.Count("unavailable", Results.StatusCode(StatusCodes.Status503ServiceUnavailable)));
        app.MapGet("/api/slow", async (CancellationToken cancellationToken) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            return server.Count("slow", Results.Ok());
        });
        app.MapGet("/api/abort", (HttpContext context) =>
        {
            server.Count("abort", Results.Empty);
            context.Abort();
        });
        app.MapMethods("/api/echo/{**rest}", ["GET", "POST"], async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var request = context.Request;
            server.Echoes.Enqueue((request.Path.ToUriComponent() + request.QueryString.ToUriComponent(), request.Headers["x-functions-key"].ToString(), body));
            return server.Count("echo", Results.Text("echo"));
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    private IResult Count(string route, IResult result)
    {
        _hits.AddOrUpdate(route, 1, static (_, n) => n + 1);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
