using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resso.Shared.Catalog;
using Resso.Shared.Events;

namespace Resso.Traffic.Tests;

/// <summary>
/// A tiny stand-in for the Resso API on Kestrel (real HTTP on a free loopback port): records what
/// it receives and answers as told.
/// </summary>
internal sealed class FakeApi : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;
    private int _sequence;
    private int _unavailable;

    private FakeApi(WebApplication app, bool catalog, int unavailable)
    {
        _app = app;
        HasCatalog = catalog;
        _unavailable = unavailable;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Event requests that got an answer other than 503, in order of arrival.</summary>
    public ConcurrentQueue<ReceivedBatch> Batches { get; } = new();

    /// <summary>Every POST /api/events, the 503s included.</summary>
    public int EventRequests => Volatile.Read(ref _eventRequests);

    public ConcurrentDictionary<string, (SongDetails Details, int Sequence, string? Key)> Songs { get; } = new(StringComparer.Ordinal);

    public int HealthRequests => Volatile.Read(ref _healthRequests);

    public bool HasCatalog { get; }

    /// <summary>Answer every event request with this status instead (e.g. 401, 400).</summary>
    public int? EventStatus { get; init; }

    private int _eventRequests;
    private int _healthRequests;

    /// <param name="catalog">Map PUT /api/songs/{songId}; without it the route answers 404.</param>
    /// <param name="unavailable">How many event requests to answer 503 first.</param>
    /// <param name="eventStatus">Answer every event request with this status.</param>
    /// <param name="songUsedDepth">
    /// The song-used queue depth GET /api/health reports on its nth request (from 1); null, or a null answer, leaves
    /// <c>queues</c> out of the report, as a service from before queue depths did.
    /// </param>
    public static async Task<FakeApi> StartAsync(bool catalog = false, int unavailable = 0, int? eventStatus = null, Func<int, int?>? songUsedDepth = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var api = new FakeApi(app, catalog, unavailable) { EventStatus = eventStatus };
        app.MapPost("/api/events", (Func<HttpContext, Task<IResult>>)api.PostEventsAsync);
        app.MapGet("/api/health", (Func<IResult>)(() =>
        {
            var n = Interlocked.Increment(ref api._healthRequests);
            return songUsedDepth?.Invoke(n) is { } depth
                ? Results.Text(
                    """{"status":"healthy","queues":{"songUsed":{"name":"song-used","depth":""" + depth.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    + ""","oldestMessageAgeSeconds":""" + (depth > 0 ? "3.5" : "null")
                    + ""","poisonDepth":0,"processingLagSeconds":null},"modelRetrain":{"name":"model-retrain","depth":0,"oldestMessageAgeSeconds":null,"poisonDepth":0,"processingLagSeconds":null}}}""",
                    "application/json")
                : Results.Text("""{"status":"healthy"}""", "application/json");
        }));
        if (catalog)
        {
            app.MapPut("/api/songs/{songId}", (Func<string, HttpContext, Task<IResult>>)api.PutSongAsync);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        api.BaseAddress = new Uri(address);
        return api;
    }

    private async Task<IResult> PostEventsAsync(HttpContext context)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        Interlocked.Increment(ref _eventRequests);
        if (Interlocked.Decrement(ref _unavailable) >= 0)
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        if (EventStatus is { } status)
        {
            return Results.Problem(statusCode: status, title: "told to fail");
        }

        var batch = await JsonSerializer.DeserializeAsync(context.Request.Body, EventJsonContext.Default.SongUsedBatch, context.RequestAborted);
        var key = context.Request.Headers["x-functions-key"].ToString();
        Batches.Enqueue(new ReceivedBatch(sequence, key, context.Request.ContentType, [.. batch!.Events]));
        return Results.Text($$"""{"accepted":{{batch.Events.Count}},"messages":1}""", "application/json", statusCode: StatusCodes.Status202Accepted);
    }

    private async Task<IResult> PutSongAsync(string songId, HttpContext context)
    {
        var details = await JsonSerializer.DeserializeAsync<SongDetails>(context.Request.Body, Web, context.RequestAborted);
        Songs[songId] = (details!, Interlocked.Increment(ref _sequence), context.Request.Headers["x-functions-key"].ToString());
        return Results.NoContent();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record ReceivedBatch(int Sequence, string Key, string? ContentType, IReadOnlyList<SongUsedEvent> Events);
