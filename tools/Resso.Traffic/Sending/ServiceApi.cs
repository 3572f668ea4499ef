using System.Net;
using System.Text.Json;

namespace Resso.Traffic.Sending;

/// <summary>What <c>GET /api/model</c> says.</summary>
/// <param name="Version">The published version; null when none is published.</param>
/// <param name="Events">Events in the published model's data window.</param>
/// <param name="Songs">Songs in that window.</param>
/// <param name="NotPublished">The 404's <c>detail</c> when none is published (it says whether a candidate was refused).</param>
public sealed record ModelState(string? Version, long? Events, int? Songs, string? NotPublished)
{
    /// <summary>The <c>detail</c> says that the newest candidate was refused.</summary>
    public bool CandidateRefused => NotPublished?.Contains("refused", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>What <c>POST /api/catalog/rollup</c> did.</summary>
/// <param name="Songs">Songs rolled up.</param>
/// <param name="Segments">Top segments written.</param>
/// <param name="Neighbours">Co-occurrence neighbours written.</param>
/// <param name="DurationMs">How long it took.</param>
public sealed record RollupResult(long Songs, long Segments, long Neighbours, long DurationMs);

/// <summary>The service's operations routes the demo uses: health, model, retrain and the catalog roll-up.</summary>
public sealed class ServiceApi
{
    private readonly Uri _baseAddress;
    private readonly string? _key;
    private readonly HttpRetrier _retrier;

    /// <summary>Creates the client for the app at <paramref name="baseAddress"/>.</summary>
    public ServiceApi(HttpClient client, Uri baseAddress, string? key, TimeProvider time, HttpRetryOptions? retry = null)
    {
        _baseAddress = ApiRoutes.Normalize(baseAddress);
        _key = key;
        _retrier = new HttpRetrier(client, time, retry ?? new HttpRetryOptions());
    }

    /// <summary>One <c>GET /api/health</c>: null when it answered 200, else what it answered.</summary>
    public async Task<string?> HealthProblemAsync(CancellationToken cancellationToken = default)
    {
        var outcome = await _retrier.SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Get, ApiRoutes.Health(_baseAddress)), cancellationToken);
        return outcome.Status == HttpStatusCode.OK ? null : outcome.Describe();
    }

    /// <summary>The published model, or why there is none.</summary>
    /// <exception cref="TrafficAbortedException">The route answered something other than 200 or 404.</exception>
    public async Task<ModelState> GetModelAsync(CancellationToken cancellationToken = default)
    {
        var route = new Uri(_baseAddress, "api/model");
        var outcome = await _retrier.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, route), cancellationToken);
        return outcome.Status switch
        {
            HttpStatusCode.OK => ParseModel(outcome.Body),
            HttpStatusCode.NotFound => new ModelState(null, null, null, Detail(outcome.Body) ?? "no model is published"),
            _ => throw new TrafficAbortedException($"GET {route.AbsolutePath}: {outcome.Describe()}"),
        };
    }

    /// <summary>Queues a retrain (<c>POST /api/model/retrain</c>, keyed).</summary>
    /// <exception cref="TrafficAbortedException">The key was refused, or the retrain was not queued.</exception>
    public async Task RequestRetrainAsync(string reason, CancellationToken cancellationToken = default)
    {
        var route = new Uri(_baseAddress, "api/model/retrain?reason=" + Uri.EscapeDataString(reason));
        var outcome = await _retrier.SendAsync(() => Keyed(HttpMethod.Post, route), cancellationToken);
        HttpEventTarget.ThrowIfRefused(outcome, "POST " + route.AbsolutePath);
        if (!outcome.IsSuccess)
        {
            throw new TrafficAbortedException($"POST {route.AbsolutePath}: {outcome.Describe()}");
        }
    }

    /// <summary>Rolls the catalog up now (<c>POST /api/catalog/rollup</c>, keyed); null when the service has no such route.</summary>
    /// <exception cref="TrafficAbortedException">The key was refused, or the roll-up failed.</exception>
    public async Task<RollupResult?> RollupAsync(CancellationToken cancellationToken = default)
    {
        var route = new Uri(_baseAddress, "api/catalog/rollup");
        var outcome = await _retrier.SendAsync(() => Keyed(HttpMethod.Post, route), cancellationToken);
        if (outcome.Status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            return null;
        }

        HttpEventTarget.ThrowIfRefused(outcome, "POST " + route.AbsolutePath);
        if (!outcome.IsSuccess)
        {
            throw new TrafficAbortedException($"POST {route.AbsolutePath}: {outcome.Describe()}");
        }

        return ParseRollup(outcome.Body);
    }

    /// <summary>The first song of <c>GET /api/trending?region=…&amp;count=1</c>; null when the chart is empty or does not answer.</summary>
    public async Task<string?> TopTrendingAsync(string region, CancellationToken cancellationToken = default)
    {
        var route = new Uri(_baseAddress, "api/trending?count=1&region=" + Uri.EscapeDataString(region));
        var outcome = await _retrier.SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Get, route), cancellationToken);
        if (outcome.Status != HttpStatusCode.OK)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(outcome.Body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
                && items.GetArrayLength() > 0 && items[0].ValueKind == JsonValueKind.Object
                && items[0].TryGetProperty("songId", out var song) && song.ValueKind == JsonValueKind.String
                    ? song.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when <c>GET /api/songs/{songId}</c> answers 200 (the service can show a song by itself).</summary>
    public async Task<bool> HasSongAsync(string songId, CancellationToken cancellationToken = default)
    {
        var outcome = await _retrier.SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Get, ApiRoutes.Song(_baseAddress, songId)), cancellationToken);
        return outcome.Status == HttpStatusCode.OK;
    }

    /// <summary>Reads the version and data window of a <c>GET /api/model</c> 200.</summary>
    internal static ModelState ParseModel(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            long? events = null;
            int? songs = null;
            if (root.TryGetProperty("current", out var current) && current.ValueKind == JsonValueKind.Object
                && current.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
            {
                events = data.TryGetProperty("events", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var count) ? count : null;
                songs = data.TryGetProperty("songs", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out var songCount) ? songCount : null;
            }

            return new ModelState(version, events, songs, version is null ? "the model pointer cannot be read" : null);
        }
        catch (JsonException ex)
        {
            throw new TrafficAbortedException("GET /api/model did not answer JSON: " + ex.Message, ex);
        }
    }

    /// <summary>Reads a <c>POST /api/catalog/rollup</c> 200; missing counts are 0.</summary>
    internal static RollupResult ParseRollup(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body);
            var root = json.RootElement;
            return new RollupResult(Count(root, "songs"), Count(root, "segments"), Count(root, "neighbours"), Count(root, "durationMs"));
        }
        catch (JsonException)
        {
            return new RollupResult(0, 0, 0, 0);
        }

        static long Count(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) ? count : 0;
    }

    private static string? Detail(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("detail", out var detail)
                && detail.ValueKind == JsonValueKind.String
                    ? detail.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private HttpRequestMessage Keyed(HttpMethod method, Uri route)
    {
        var request = new HttpRequestMessage(method, route);
        HttpEventTarget.AddKey(request, _key);
        return request;
    }
}
