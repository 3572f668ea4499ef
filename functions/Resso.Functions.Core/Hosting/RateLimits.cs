using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Shared.Links;

namespace Resso.Functions.Core.Hosting;

/// <summary>Per-client, per-code and per-key limits (<c>Resso__RateLimits__…</c>).</summary>
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

    /// <summary>
    /// Claim-code redemptions per client address (IPv4 address, IPv6 /64) per minute. Generous,
    /// because a carrier-grade NAT puts many real phones behind one IPv4 address; guessing is
    /// held back by the size of the code space and by <see cref="ClaimsPerMinuteTotal"/> (see
    /// <c>docs/reliability.md</c> for the arithmetic).
    /// </summary>
    /// <value>60.</value>
    [Range(1, 10_000)]
    public int ClaimsPerMinute { get; set; } = 60;

    /// <summary>Redemption attempts per claim code, whoever makes them, per <see cref="ClaimCodeWindow"/>.</summary>
    /// <value>5.</value>
    [Range(1, 1_000)]
    public int ClaimAttemptsPerCode { get; set; } = 5;

    /// <summary>The window of <see cref="ClaimAttemptsPerCode"/>.</summary>
    /// <value>10 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Resso__RateLimits__ClaimCodeWindow must be from 00:00:01 to 1.00:00:00.")]
    public TimeSpan ClaimCodeWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Claim-code redemptions per minute on one instance from all clients together: the bound on
    /// guessing from many addresses. Real redemptions come once per install.
    /// </summary>
    /// <value>6,000 (100 a second).</value>
    [Range(1, 1_000_000)]
    public int ClaimsPerMinuteTotal { get; set; } = 6_000;

    /// <summary>
    /// Requests per second one key may make to the keyed routes (events, catalog, conversions,
    /// reports, retrain): server-to-server traffic, limited per key (by its hash) so that one
    /// leaked or runaway caller cannot take the instance.
    /// </summary>
    /// <value>1,000.</value>
    [Range(1, 1_000_000)]
    public int KeyedPerSecond { get; set; } = 1_000;

    /// <summary>Requests one key may make at once before <see cref="KeyedPerSecond"/> applies.</summary>
    /// <value>2,000.</value>
    [Range(1, 1_000_000)]
    public int KeyedBurst { get; set; } = 2_000;

    /// <summary>
    /// <c>401</c> answers one client address may get per minute; beyond that it gets <c>429</c> for
    /// <see cref="UnauthorizedLockout"/> on every route, before any key is checked.
    /// </summary>
    /// <value>20.</value>
    [Range(1, 10_000)]
    public int UnauthorizedPerMinute { get; set; } = 20;

    /// <summary>How long a client that got too many <c>401</c>s is answered <c>429</c>.</summary>
    /// <value>5 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Resso__RateLimits__UnauthorizedLockout must be from 00:00:01 to 1.00:00:00.")]
    public TimeSpan UnauthorizedLockout { get; set; } = TimeSpan.FromMinutes(5);

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
/// Limits per client address for the anonymous routes (health excepted; IPv4 by address, IPv6 by
/// /64), per code and per address and instance for claim codes, per key for the keyed routes, and
/// a lockout for addresses that collect <c>401</c>s. A request over a limit gets <c>429</c>
/// problem+json with <c>Retry-After</c>. Both hosts call <see cref="Check(HttpContext)"/> before the
/// route runs; whatever answers <c>401</c> calls <see cref="RecordUnauthorized"/>.
/// </summary>
public sealed class RateLimits : IDisposable
{
    private const int MaxLockedOut = 100_000;

    private readonly RateLimitOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ForwardedHeadersMiddleware? _forwarded;
    private readonly PartitionedRateLimiter<string> _general;
    private readonly PartitionedRateLimiter<string> _claims;
    private readonly PartitionedRateLimiter<string> _claimCodes;
    private readonly RateLimiter _claimsTotal;
    private readonly PartitionedRateLimiter<string> _keys;
    private readonly PartitionedRateLimiter<string> _unauthorized;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lockedOut = new(StringComparer.Ordinal);

    /// <summary>Creates the limiters from <paramref name="options"/>.</summary>
    public RateLimits(IOptions<RateLimitOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
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

        _general = TokenBuckets(o.Burst, o.PerSecond, TimeSpan.FromSeconds(1));
        _claims = TokenBuckets(o.ClaimsPerMinute, o.ClaimsPerMinute, TimeSpan.FromMinutes(1));
        _claimCodes = PartitionedRateLimiter.Create<string, string>(code => RateLimitPartition.GetFixedWindowLimiter(code, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = o.ClaimAttemptsPerCode,
            Window = o.ClaimCodeWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _claimsTotal = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = o.ClaimsPerMinuteTotal,
            TokensPerPeriod = o.ClaimsPerMinuteTotal,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
        _keys = TokenBuckets(o.KeyedBurst, o.KeyedPerSecond, TimeSpan.FromSeconds(1));
        _unauthorized = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = o.UnauthorizedPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>
    /// Null when the request may go on; otherwise the 429 to answer. First sets the connection's
    /// remote address to the client named by trusted proxies (<see cref="RateLimitOptions.TrustedProxies"/>).
    /// The route's <see cref="FunctionAuthorization"/> comes from its endpoint's metadata (the self-host routes before this runs).
    /// </summary>
    public IResult? Check(HttpContext context) =>
        Check(context, context.GetEndpoint()?.Metadata.LastOrDefault(m => m is FunctionAuthorization) as FunctionAuthorization?);

    /// <summary>
    /// As <see cref="Check(HttpContext)"/>, for a host that knows the route's authorization level
    /// itself (the Functions worker, from the function's trigger); null when the route is unknown,
    /// which is limited as anonymous if it is a read or a claim.
    /// </summary>
    public IResult? Check(HttpContext context, FunctionAuthorization? authorization)
    {
        // Without the connection's address, ASP.NET Core would trust the first hop blindly.
        if (_forwarded is not null && context.Connection.RemoteIpAddress is not null)
        {
            _forwarded.ApplyForwarders(context);
        }

        var path = context.Request.Path.Value ?? "";
        if (!_options.Enabled || !path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) || path.Equals("/api/health", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var client = ClientOf(context);
        if (_lockedOut.TryGetValue(client, out var until))
        {
            var left = until - _timeProvider.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                return TooMany(context, left, "Too many requests from this client were refused for want of a valid key; retry after the time in Retry-After.");
            }

            _lockedOut.TryRemove(new KeyValuePair<string, DateTimeOffset>(client, until));
        }

        if (authorization == FunctionAuthorization.Function || (authorization is null && IsKeyedPath(path)))
        {
            // Per key, by its hash; a request without one is refused (401) by the key check.
            return KeyHash(context.Request) is { } key ? Acquire(_keys, key, context, TimeSpan.FromSeconds(1)) : null;
        }

        if (path.StartsWith("/api/claims/", StringComparison.OrdinalIgnoreCase))
        {
            // Every spelling of one code (case, separators) shares its budget, as it redeems the same claim.
            var code = path["/api/claims/".Length..];
            code = ClaimCodes.Normalize(code) ?? code[..Math.Min(code.Length, 32)].ToUpperInvariant();
            if (Acquire(_claims, client, context, TimeSpan.FromMinutes(1)) is { } perClient)
            {
                return perClient;
            }

            if (Acquire(_claimCodes, code, context, _options.ClaimCodeWindow) is { } perCode)
            {
                return perCode;
            }

            using var total = _claimsTotal.AttemptAcquire();
            return total.IsAcquired ? null : TooMany(context, RetryAfter(total, TimeSpan.FromMinutes(1)));
        }

        return HttpMethods.IsGet(context.Request.Method) ? Acquire(_general, client, context, TimeSpan.FromSeconds(1)) : null;
    }

    /// <summary>
    /// Counts a <c>401</c> answered to this request's client address. Beyond
    /// <see cref="RateLimitOptions.UnauthorizedPerMinute"/> in a minute, the address gets <c>429</c>
    /// on every route for <see cref="RateLimitOptions.UnauthorizedLockout"/>, before any key or token
    /// is looked at. Call it wherever a request is refused for want of valid credentials.
    /// </summary>
    public void RecordUnauthorized(HttpContext context)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var client = ClientOf(context);
        using var lease = _unauthorized.AttemptAcquire(client);
        if (lease.IsAcquired)
        {
            return;
        }

        if (_lockedOut.Count >= MaxLockedOut)
        {
            // Many addresses at once: drop the lockouts that ended rather than grow without bound.
            var now = _timeProvider.GetUtcNow();
            foreach (var (key, end) in _lockedOut)
            {
                if (end <= now)
                {
                    _lockedOut.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, end));
                }
            }
        }

        _lockedOut[client] = _timeProvider.GetUtcNow() + _options.UnauthorizedLockout;
    }

    private static PartitionedRateLimiter<string> TokenBuckets(int limit, int perPeriod, TimeSpan period) =>
        PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    private static IResult? Acquire(PartitionedRateLimiter<string> limiter, string partition, HttpContext context, TimeSpan fallback)
    {
        using var lease = limiter.AttemptAcquire(partition);
        return lease.IsAcquired ? null : TooMany(context, RetryAfter(lease, fallback));
    }

    private static TimeSpan RetryAfter(RateLimitLease lease, TimeSpan fallback) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : fallback;

    private static IResult TooMany(HttpContext context, TimeSpan retryAfter, string detail = "Too many requests from this client; retry after the time in Retry-After.")
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            detail,
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests.",
            type: Problems.TypePrefix + "rate-limited");
    }

    // A keyed read when no endpoint says (writes other than claims are not limited as anonymous either way).
    private static bool IsKeyedPath(string path) => path.StartsWith("/api/reports/", StringComparison.OrdinalIgnoreCase);

    // The presented key's SHA-256, hex: the key itself is never kept.
    private static string? KeyHash(HttpRequest request)
    {
        var presented = ApiKeys.Presented(request);
        if (presented.Length == 0)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    private static string ClientOf(HttpContext context) => ClientAddress.Bucket(context.Connection.RemoteIpAddress);

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
        _claimCodes.Dispose();
        _claimsTotal.Dispose();
        _keys.Dispose();
        _unauthorized.Dispose();
    }
}
