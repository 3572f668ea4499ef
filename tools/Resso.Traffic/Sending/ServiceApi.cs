using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Resso.Shared.Links;

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

/// <summary>A song on the service's trending chart.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Score">Its time-decayed popularity.</param>
public sealed record TrendingSong(string SongId, double Score);

/// <summary>What the fields of an offer the funnel uses say.</summary>
/// <param name="OfferId">The offer.</param>
/// <param name="Universal">The universal link a viewer follows.</param>
/// <param name="Plan">The plan offered; null when none is.</param>
/// <param name="Price">Its monthly price; null when no plan is offered.</param>
/// <param name="Currency">The price's ISO 4217 currency.</param>
public sealed record ServedOffer(string OfferId, Uri Universal, string? Plan, decimal? Price, string? Currency);

/// <summary>A subscription as billing reports it (<c>POST /api/conversions</c>).</summary>
/// <param name="ConversionId">The idempotency key.</param>
/// <param name="UserId">The subscriber.</param>
/// <param name="Plan">The plan.</param>
/// <param name="Amount">Paid, 0 for a trial.</param>
/// <param name="Currency">ISO 4217.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="Trial">A free trial.</param>
/// <param name="ClaimCode">The claim code the app redeemed at install.</param>
public sealed record Conversion(string ConversionId, string UserId, string Plan, decimal Amount, string Currency, DateTimeOffset OccurredAt, bool Trial, string? ClaimCode);

/// <summary>The totals of <c>GET /api/reports/attribution</c>.</summary>
/// <param name="Offers">Offers served.</param>
/// <param name="Clicks">Distinct clicks.</param>
/// <param name="Claims">Claim codes redeemed.</param>
/// <param name="Conversions">Conversions attributed.</param>
public sealed record FunnelTotals(long Offers, long Clicks, long Claims, long Conversions);

/// <summary>
/// The service's routes the demo uses: health, model, retrain, the catalog roll-up, and the funnel's
/// offers, link follows, claims, conversions and attribution report.
/// </summary>
public sealed partial class ServiceApi
{
    private readonly Uri _baseAddress;
    private readonly string? _key;
    private readonly HttpRetrier _retrier;
    private readonly HttpRetrier _claimRetrier;
    private readonly TimeProvider _time;
    private readonly HttpRetryOptions _retry;

    /// <summary>Creates the client for the app at <paramref name="baseAddress"/>.</summary>
    public ServiceApi(HttpClient client, Uri baseAddress, string? key, TimeProvider time, HttpRetryOptions? retry = null)
    {
        _baseAddress = ApiRoutes.Normalize(baseAddress);
        _key = key;
        _time = time;
        _retry = retry ?? new HttpRetryOptions();
        _retrier = new HttpRetrier(client, time, _retry);

        // Claims are limited per address per minute: a 429 there is waited out for as long as it asks, a few times.
        _claimRetrier = new HttpRetrier(client, time, new HttpRetryOptions
        {
            MaxAttempts = Math.Max(_retry.MaxAttempts, 10),
            BaseDelay = _retry.BaseDelay,
            MaxDelay = _retry.MaxDelay > TimeSpan.FromSeconds(61) ? _retry.MaxDelay : TimeSpan.FromSeconds(61),
        });
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

    /// <summary>The worldwide chart, <c>GET /api/trending?window=…&amp;count=…</c>, best first.</summary>
    /// <exception cref="TrafficAbortedException">The chart did not answer 200 with JSON.</exception>
    public async Task<IReadOnlyList<TrendingSong>> TrendingAsync(string window, int count, CancellationToken cancellationToken = default)
    {
        var route = new Uri(_baseAddress, string.Create(CultureInfo.InvariantCulture, $"api/trending?window={Uri.EscapeDataString(window)}&count={count}"));
        var outcome = await _retrier.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, route), cancellationToken);
        if (outcome.Status != HttpStatusCode.OK)
        {
            throw new TrafficAbortedException($"GET {route.PathAndQuery}: {outcome.Describe()}");
        }

        try
        {
            using var json = JsonDocument.Parse(outcome.Body);
            return json.RootElement.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
                ? [.. items.EnumerateArray()
                    .Where(i => i.ValueKind == JsonValueKind.Object && i.TryGetProperty("songId", out var id) && id.ValueKind == JsonValueKind.String)
                    .Select(i => new TrendingSong(
                        i.GetProperty("songId").GetString()!,
                        i.TryGetProperty("score", out var score) && score.ValueKind == JsonValueKind.Number ? score.GetDouble() : 0))]
                : [];
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new TrafficAbortedException($"GET {route.AbsolutePath} did not answer a chart: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Asks for an offer as the short-video app's backend does (<c>GET /api/songs/{songId}/offer</c>, keyed, naming the viewer).
    /// </summary>
    /// <exception cref="TrafficAbortedException">The offer was not served.</exception>
    public async Task<ServedOffer> GetOfferAsync(string songId, string userId, string? videoId, string region, string platform, CancellationToken cancellationToken = default)
    {
        var query = new StringBuilder("?userId=").Append(Uri.EscapeDataString(userId));
        if (videoId is not null)
        {
            query.Append("&videoId=").Append(Uri.EscapeDataString(videoId));
        }

        query.Append("&region=").Append(Uri.EscapeDataString(region)).Append("&platform=").Append(Uri.EscapeDataString(platform));
        var route = new Uri(ApiRoutes.Song(_baseAddress, songId) + "/offer" + query);
        var outcome = await _retrier.SendAsync(() => Keyed(HttpMethod.Get, route), cancellationToken);
        HttpEventTarget.ThrowIfRefused(outcome, "GET " + route.AbsolutePath);
        if (outcome.Status != HttpStatusCode.OK)
        {
            throw new TrafficAbortedException($"GET {route.PathAndQuery}: {outcome.Describe()}");
        }

        try
        {
            using var json = JsonDocument.Parse(outcome.Body);
            var root = json.RootElement;
            var terms = root.GetProperty("offer");
            return new ServedOffer(
                root.GetProperty("offerId").GetString()!,
                new Uri(root.GetProperty("links").GetProperty("universal").GetString()!, UriKind.Absolute),
                Text(terms, "plan"),
                terms.TryGetProperty("price", out var price) && price.ValueKind == JsonValueKind.Number ? price.GetDecimal() : null,
                Text(terms, "currency"));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or UriFormatException or ArgumentNullException)
        {
            throw new TrafficAbortedException($"GET {route.AbsolutePath} did not answer an offer: {ex.Message}", ex);
        }

        static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>
    /// Follows an offer's universal link from a phone without the app: its path and query against this
    /// service, with <paramref name="userAgent"/>, through <paramref name="phone"/> (which must neither
    /// follow redirects nor keep cookies). Returns the claim code: Android's from the store redirect's
    /// install referrer, iOS's from the page that shows it; null when the answer carries none.
    /// </summary>
    /// <exception cref="TrafficAbortedException">The link was not followed to a store.</exception>
    public async Task<string?> FollowLinkAsync(HttpClient phone, Uri universal, string userAgent, CancellationToken cancellationToken = default)
    {
        var route = new Uri(_baseAddress, universal.PathAndQuery.TrimStart('/'));
        var outcome = await new HttpRetrier(phone, _time, _retry).SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, route);
                request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
                return request;
            },
            cancellationToken);
        switch (outcome.Status)
        {
            case HttpStatusCode.Redirect when outcome.Location is { } location:
                return ClaimFromReferrer(location.IsAbsoluteUri ? location : new Uri(route, location));
            case HttpStatusCode.OK:
                return ClaimPage().Match(outcome.Body) is { Success: true } shown && ClaimCodes.IsWellFormed(shown.Groups[1].Value) ? shown.Groups[1].Value : null;
            default:
                throw new TrafficAbortedException($"GET {route.AbsolutePath}: {outcome.Describe()}");
        }
    }

    /// <summary>Redeems a claim code as a freshly installed app does (<c>POST /api/claims/{code}</c>, anonymous).</summary>
    /// <exception cref="TrafficAbortedException">The code was not redeemed.</exception>
    public async Task RedeemClaimAsync(string code, CancellationToken cancellationToken = default)
    {
        var route = new Uri(_baseAddress, "api/claims/" + Uri.EscapeDataString(code));
        var outcome = await _claimRetrier.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, route), cancellationToken);

        // A 409 after a retry: the attempt whose answer was lost redeemed it.
        if (!outcome.IsSuccess && !(outcome.Status == HttpStatusCode.Conflict && outcome.Attempts > 1))
        {
            throw new TrafficAbortedException($"POST {route.AbsolutePath}: {outcome.Describe()}");
        }
    }

    /// <summary>Reports a subscription as billing does (<c>POST /api/conversions</c>, keyed).</summary>
    /// <exception cref="TrafficAbortedException">The conversion was not recorded.</exception>
    public async Task ConvertAsync(Conversion conversion, CancellationToken cancellationToken = default)
    {
        var route = new Uri(_baseAddress, "api/conversions");
        var body = ConversionJson(conversion);
        var outcome = await _retrier.SendAsync(
            () =>
            {
                var request = Keyed(HttpMethod.Post, route);
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                return request;
            },
            cancellationToken);
        HttpEventTarget.ThrowIfRefused(outcome, "POST " + route.AbsolutePath);
        if (!outcome.IsSuccess)
        {
            throw new TrafficAbortedException($"POST {route.AbsolutePath} ({conversion.ConversionId}): {outcome.Describe()}");
        }
    }

    /// <summary>The totals of <c>GET /api/reports/attribution?groupBy=song</c> (keyed) over its default period, the last 7 days.</summary>
    /// <exception cref="TrafficAbortedException">The report did not answer 200 with JSON.</exception>
    public async Task<FunnelTotals> AttributionAsync(CancellationToken cancellationToken = default)
    {
        var route = new Uri(_baseAddress, "api/reports/attribution?groupBy=song");
        var outcome = await _retrier.SendAsync(() => Keyed(HttpMethod.Get, route), cancellationToken);
        HttpEventTarget.ThrowIfRefused(outcome, "GET " + route.AbsolutePath);
        if (outcome.Status != HttpStatusCode.OK)
        {
            throw new TrafficAbortedException($"GET {route.PathAndQuery}: {outcome.Describe()}");
        }

        try
        {
            using var json = JsonDocument.Parse(outcome.Body);
            var total = json.RootElement.GetProperty("total");
            return new FunnelTotals(
                total.GetProperty("offers").GetInt64(), total.GetProperty("clicks").GetInt64(), total.GetProperty("claims").GetInt64(), total.GetProperty("conversions").GetInt64());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new TrafficAbortedException($"GET {route.AbsolutePath} did not answer a report: {ex.Message}", ex);
        }
    }

    /// <summary>The claim code in a store redirect's <c>referrer=claim%3D…</c>; null without one.</summary>
    internal static string? ClaimFromReferrer(Uri store)
    {
        foreach (var pair in store.Query.TrimStart('?').Split('&'))
        {
            if (pair.StartsWith("referrer=", StringComparison.Ordinal)
                && Uri.UnescapeDataString(pair["referrer=".Length..]) is var referrer
                && referrer.StartsWith("claim=", StringComparison.Ordinal)
                && ClaimCodes.IsWellFormed(referrer["claim=".Length..]))
            {
                return referrer["claim=".Length..];
            }
        }

        return null;
    }

    internal static string ConversionJson(Conversion conversion)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("conversionId", conversion.ConversionId);
            writer.WriteString("userId", conversion.UserId);
            writer.WriteString("plan", conversion.Plan);
            writer.WriteNumber("amount", conversion.Amount);
            writer.WriteString("currency", conversion.Currency);
            writer.WriteString("occurredAt", conversion.OccurredAt);
            writer.WriteBoolean("trial", conversion.Trial);
            if (conversion.ClaimCode is { } code)
            {
                writer.WriteString("claimCode", code);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [GeneratedRegex("<code id=\"code\">([^<]+)</code>")]
    private static partial Regex ClaimPage();

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
