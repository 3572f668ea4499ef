using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Logging;
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
    /// The proxies whose <c>X-Forwarded-For</c> names the client, as comma-separated addresses or
    /// CIDR networks (e.g. <c>127.0.0.1,::1</c> for the Functions host, which forwards each request
    /// to the worker on loopback and sets the header to the address it saw). The header is read as
    /// ASP.NET Core's forwarded-headers middleware reads it: from the right, one entry per trusted
    /// hop up to <see cref="ForwardLimit"/>, only when the connection comes from a trusted proxy; a
    /// header from anyone else is ignored. Empty: the connection's own address.
    /// </summary>
    /// <value>Empty.</value>
    public string TrustedProxies { get; set; } = "";

    /// <summary>How many trusted proxies stand in front of the app, each appending to <c>X-Forwarded-For</c>.</summary>
    /// <value>1.</value>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;
}

[OptionsValidator]
internal sealed partial class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>;

/// <summary><see cref="RateLimitOptions.TrustedProxies"/> is a list of addresses and networks.</summary>
internal sealed class TrustedProxiesValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options) =>
        RateLimits.ParseProxies(options.TrustedProxies).Error is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}

/// <summary>
/// Token buckets per client for the anonymous routes (health excepted), one for claim codes; a
/// request over the limit gets <c>429</c> problem+json with <c>Retry-After</c>. Both hosts call
/// <see cref="Check"/> before the route runs.
/// </summary>
public sealed class RateLimits : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly ForwardedHeadersMiddleware? _forwarded;
    private readonly PartitionedRateLimiter<string> _general;
    private readonly PartitionedRateLimiter<string> _claims;

    /// <summary>Creates the limiters from <paramref name="options"/>.</summary>
    public RateLimits(IOptions<RateLimitOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        var o = _options;
        var (proxies, _) = ParseProxies(o.TrustedProxies);
        if (proxies.Count > 0)
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = o.ForwardLimit };
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var proxy in proxies)
            {
                forwarded.KnownIPNetworks.Add(proxy);
            }

            _forwarded = new ForwardedHeadersMiddleware(static _ => Task.CompletedTask, loggerFactory, Options.Create(forwarded));
        }

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

    /// <summary>
    /// Null when the request may go on; otherwise the 429 to answer. First sets the connection's
    /// remote address to the client named by trusted proxies (<see cref="RateLimitOptions.TrustedProxies"/>).
    /// </summary>
    public IResult? Check(HttpContext context)
    {
        // Without the connection's address, ASP.NET Core would trust the first hop blindly.
        if (_forwarded is not null && context.Connection.RemoteIpAddress is not null)
        {
            _forwarded.ApplyForwarders(context);
        }

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

    // Write routes and reports carry keys (and are the callers' own servers); health is for load balancers.
    private static bool IsAnonymous(string method, string path) =>
        path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)
        && !path.Equals("/api/health", StringComparison.OrdinalIgnoreCase)
        && !path.StartsWith("/api/reports/", StringComparison.OrdinalIgnoreCase)
        && (HttpMethods.IsGet(method) || path.StartsWith("/api/claims/", StringComparison.OrdinalIgnoreCase));

    private static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>The networks of <paramref name="setting"/> (a single address is a /32 or /128), or the error naming the bad entry.</summary>
    internal static (IReadOnlyList<System.Net.IPNetwork> Networks, string? Error) ParseProxies(string setting)
    {
        var networks = new List<System.Net.IPNetwork>();
        foreach (var entry in setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (System.Net.IPAddress.TryParse(entry, out var address) && !entry.Contains('/', StringComparison.Ordinal))
            {
                networks.Add(new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8));
            }
            else if (System.Net.IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else
            {
                return ([], $"Resso__RateLimits__TrustedProxies: \"{entry}\" is not an IP address or a CIDR network (e.g. 127.0.0.1, ::1, 10.0.0.0/8).");
            }
        }

        return (networks, null);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _general.Dispose();
        _claims.Dispose();
    }
}
