using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Resso.Functions.Core.Hosting;

/// <summary>Per-client limits of the anonymous routes (<c>Resso__RateLimits__…</c>).</summary>
public sealed class RateLimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:RateLimits";

    /// <summary>Off only for load tests on loopback.</summary>
    /// <value>True.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests per second one client may make to anonymous routes, sustained.</summary>
    /// <value>50.</value>
    [Range(1, 100_000)]
    public int PerSecond { get; set; } = 50;

    /// <summary>Requests one client may make at once before the sustained rate applies.</summary>
    /// <value>100.</value>
    [Range(1, 100_000)]
    public int Burst { get; set; } = 100;

    /// <summary>Claim-code redemptions per client per minute (codes are secrets: guessing must be slow).</summary>
    /// <value>10.</value>
    [Range(1, 10_000)]
    public int ClaimsPerMinute { get; set; } = 10;

    /// <summary>
    /// The header that holds the client's address when a proxy stands in front (its first entry),
    /// e.g. <c>X-Forwarded-For</c> under Azure; empty: the connection's own address. Only set it
    /// behind a proxy that writes the header, or clients can choose their own bucket.
    /// </summary>
    /// <value>Empty.</value>
    public string ClientAddressHeader { get; set; } = "";
}

[OptionsValidator]
internal sealed partial class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>;

/// <summary>
/// Token buckets per client for the anonymous routes (health excepted), one for claim codes; a
/// request over the limit gets <c>429</c> problem+json with <c>Retry-After</c>. Both hosts call
/// <see cref="Check"/> before the route runs.
/// </summary>
public sealed class RateLimits : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string> _general;
    private readonly PartitionedRateLimiter<string> _claims;

    /// <summary>Creates the limiters from <paramref name="options"/>.</summary>
    public RateLimits(IOptions<RateLimitOptions> options)
    {
        _options = options.Value;
        var o = _options;
        _general = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = o.Burst,
            TokensPerPeriod = o.PerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _claims = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = o.ClaimsPerMinute,
            TokensPerPeriod = o.ClaimsPerMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Null when the request may go on; otherwise the 429 to answer.</summary>
    public IResult? Check(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!_options.Enabled || !IsAnonymous(context.Request.Method, path))
        {
            return null;
        }

        var client = ClientOf(context);
        var claims = path.StartsWith("/api/claims/", StringComparison.OrdinalIgnoreCase);
        using var lease = (claims ? _claims : _general).AttemptAcquire(client);
        if (lease.IsAcquired)
        {
            return null;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(claims ? 60 : 1);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            "Too many requests from this client; retry after the time in Retry-After.",
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests.",
            type: Problems.TypePrefix + "rate-limited");
    }

    // Write and admin routes carry keys (and are the callers' own servers); health is for load balancers.
    private static bool IsAnonymous(string method, string path) =>
        path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)
        && !path.Equals("/api/health", StringComparison.OrdinalIgnoreCase)
        && (HttpMethods.IsGet(method) || path.StartsWith("/api/claims/", StringComparison.OrdinalIgnoreCase));

    private string ClientOf(HttpContext context)
    {
        if (_options.ClientAddressHeader.Length > 0 && context.Request.Headers[_options.ClientAddressHeader].ToString() is { Length: > 0 } forwarded)
        {
            return forwarded.Split(',')[0].Trim();
        }

        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _general.Dispose();
        _claims.Dispose();
    }
}
