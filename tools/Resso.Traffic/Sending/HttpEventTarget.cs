using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Resso.Shared.Events;

namespace Resso.Traffic.Sending;

/// <summary>
/// Posts batches as <c>{"events":[…]}</c> to <c>/api/events</c> with the <c>x-functions-key</c> header,
/// retrying 408/429/502/503/504 and transport errors. Retrying is safe: the service counts an event
/// once by its id, however often it arrives.
/// </summary>
public sealed class HttpEventTarget : IEventTarget
{
    /// <summary>The header Azure Functions reads a function key from.</summary>
    public const string KeyHeader = "x-functions-key";

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly Uri _baseAddress;
    private readonly Uri _events;
    private readonly string? _key;
    private readonly HttpRetrier _retrier;

    /// <summary>Creates the target for the app at <paramref name="baseAddress"/> (e.g. <c>http://127.0.0.1:7071</c>).</summary>
    public HttpEventTarget(HttpClient client, Uri baseAddress, string? key, TimeProvider time, HttpRetryOptions? retry = null)
    {
        _baseAddress = ApiRoutes.Normalize(baseAddress);
        _events = ApiRoutes.Events(baseAddress);
        _key = key;
        _retrier = new HttpRetrier(client, time, retry ?? new HttpRetryOptions());
    }

    /// <inheritdoc />
    public string Description => "http " + _events;

    /// <inheritdoc />
    public int MaxConcurrency => int.MaxValue;

    /// <inheritdoc />
    public async Task<BatchResult> SendAsync(IReadOnlyList<SongUsedEvent> events, CancellationToken cancellationToken = default)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new SongUsedBatch(events), EventJsonContext.Default.SongUsedBatch);
        var outcome = await _retrier.SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, _events) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = Json;
                AddKey(request, _key);
                return request;
            },
            cancellationToken);

        ThrowIfRefused(outcome, "POST " + _events.AbsolutePath);
        return outcome.IsSuccess
            ? new BatchResult(events.Count, outcome.Attempts, outcome.Attempts - 1, AcceptedCount(outcome.Body), null)
            : new BatchResult(events.Count, outcome.Attempts, outcome.Attempts - 1, null, "POST " + _events.AbsolutePath + ": " + outcome.Describe());
    }

    /// <summary>Waits for <c>GET /api/health</c> to answer 200, retrying while the service starts.</summary>
    /// <exception cref="TrafficAbortedException">The service is not healthy.</exception>
    public async Task CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var health = ApiRoutes.Health(_baseAddress);
        var outcome = await _retrier.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, health), cancellationToken);
        if (!outcome.IsSuccess)
        {
            throw new TrafficAbortedException($"GET {health} did not answer 200: {outcome.Describe()}");
        }
    }

    internal static void AddKey(HttpRequestMessage request, string? key)
    {
        if (!string.IsNullOrEmpty(key))
        {
            request.Headers.TryAddWithoutValidation(KeyHeader, key);
        }
    }

    /// <summary>Stops the run when no request can succeed: the key is refused, or nothing is at the address.</summary>
    internal static void ThrowIfRefused(HttpOutcome outcome, string route)
    {
        switch (outcome.Status)
        {
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw new TrafficAbortedException(
                    $"{route} answered {(int)outcome.Status}: the function key was refused. Pass --key with one of the app's Resso__Api__Keys.");
            case HttpStatusCode.NotFound when route.StartsWith("POST", StringComparison.Ordinal):
                throw new TrafficAbortedException(
                    $"{route} answered 404: is --url the app's base address, e.g. http://127.0.0.1:7071?");
        }
    }

    /// <summary>The <c>accepted</c> count of a <c>202</c> body, if it has one.</summary>
    internal static int? AcceptedCount(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("accepted", out var accepted)
                && accepted.TryGetInt32(out var count)
                    ? count
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
