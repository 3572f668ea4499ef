using System.Net;

namespace Resso.Traffic.Sending;

/// <summary>How HTTP requests are retried after 408, 429, 502, 503, 504 or a transport error.</summary>
public sealed class HttpRetryOptions
{
    /// <summary>Attempts per request, the first included.</summary>
    /// <value>6.</value>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>Delay before the first retry; it doubles with each further one (with jitter), unless the service sends <c>Retry-After</c>.</summary>
    /// <value>250 ms.</value>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest delay between attempts, <c>Retry-After</c> included.</summary>
    /// <value>10 s.</value>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The final answer to a request after retries: a status, body and <c>Location</c>, or the transport error.</summary>
internal sealed record HttpOutcome(HttpStatusCode? Status, string Body, int Attempts, string? TransportError, Uri? Location = null)
{
    public bool IsSuccess => Status is { } status && (int)status is >= 200 and < 300;

    public string Describe() => Status is { } status
        ? $"HTTP {(int)status} {status}{(Body.Length > 0 ? ": " + Trim(Body) : "")}"
        : TransportError ?? "no answer";

    private static string Trim(string body)
    {
        body = body.ReplaceLineEndings(" ");
        return body.Length <= 300 ? body : body[..300] + "…";
    }
}

/// <summary>Sends a request, retrying the failures a busy or restarting service gives.</summary>
internal sealed class HttpRetrier(HttpClient client, TimeProvider time, HttpRetryOptions options)
{
    /// <summary>One attempt, for callers that poll and so retry by themselves.</summary>
    public async Task<HttpOutcome> SendOnceAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        try
        {
            using var request = createRequest();
            using var response = await client.SendAsync(request, cancellationToken);
            return new HttpOutcome(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), 1, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new HttpOutcome(null, "", 1, ex is TaskCanceledException ? "the request timed out" : ex.Message);
        }
    }

    public async Task<HttpOutcome> SendAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            HttpOutcome outcome;
            try
            {
                using var request = createRequest();
                using var response = await client.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                outcome = new HttpOutcome(response.StatusCode, body, attempt, null, response.Headers.Location);
                if (!IsRetryable(response.StatusCode))
                {
                    return outcome;
                }

                retryAfter = RetryAfter(response);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // A TaskCanceledException without our token cancelled is HttpClient's timeout.
                outcome = new HttpOutcome(null, "", attempt, ex is TaskCanceledException ? "the request timed out" : ex.Message);
            }

            if (attempt >= options.MaxAttempts)
            {
                return outcome;
            }

            await Task.Delay(Backoff(attempt, retryAfter), time, cancellationToken);
        }
    }

    public static bool IsRetryable(HttpStatusCode status) => status is
        HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } after)
        {
            return after < TimeSpan.Zero ? TimeSpan.Zero : after > options.MaxDelay ? options.MaxDelay : after;
        }

        var exponential = options.BaseDelay * Math.Pow(2, attempt - 1);
        var capped = exponential > options.MaxDelay ? options.MaxDelay : exponential;
        // Jitter spreads the retries of concurrent senders.
        return capped * (0.5 + (Random.Shared.NextDouble() / 2));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };
}

/// <summary>The routes of the API under an app's base address.</summary>
internal static class ApiRoutes
{
    /// <summary>The base address with a trailing slash, and without a trailing <c>/api</c> someone may have typed.</summary>
    public static Uri Normalize(Uri baseAddress)
    {
        var text = baseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/');
        if (text.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
        {
            text = text[..^4];
        }

        return new Uri(text + "/");
    }

    public static Uri Events(Uri baseAddress) => new(Normalize(baseAddress), "api/events");

    public static Uri Health(Uri baseAddress) => new(Normalize(baseAddress), "api/health");

    public static Uri Song(Uri baseAddress, string songId) => new(Normalize(baseAddress), "api/songs/" + Uri.EscapeDataString(songId));
}
