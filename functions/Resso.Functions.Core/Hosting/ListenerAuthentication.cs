using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Resso.Shared;

namespace Resso.Functions.Core.Hosting;

/// <summary>
/// How listeners prove who they are (<c>Resso__Auth__…</c>): a JWT access token from the streaming
/// app's identity provider, in <c>Authorization: Bearer</c>. Its subject is the listener's user id.
/// </summary>
public sealed class ListenerAuthOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:Auth";

    /// <summary>The <c>iss</c> every token must carry. Empty: no listener token is accepted.</summary>
    /// <value>Empty.</value>
    public string Issuer { get; set; } = "";

    /// <summary>The <c>aud</c> every token must carry (the API's identifier at the identity provider).</summary>
    /// <value>Empty.</value>
    public string Audience { get; set; } = "";

    /// <summary>
    /// The identity provider's OpenID Connect issuer URL (https): its signing keys are read from
    /// <c>{Authority}/.well-known/openid-configuration</c> and refreshed as it rotates them.
    /// </summary>
    /// <value>Empty.</value>
    public string Authority { get; set; } = "";

    /// <summary>
    /// Symmetric signing keys by key id (<c>Resso__Auth__SigningKeys__{kid}</c>, base64, at least 32
    /// bytes; HS256), for identity providers that share a secret, and for the development issuer.
    /// </summary>
    public Dictionary<string, string> SigningKeys { get; set; } = [];

    /// <summary>The claim holding the listener's user id.</summary>
    /// <value><c>sub</c>.</value>
    public string UserIdClaim { get; set; } = "sub";

    /// <summary>Clock difference tolerated on <c>exp</c> and <c>nbf</c>.</summary>
    /// <value>Two minutes.</value>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>True when tokens can be validated: an issuer, an audience and a source of keys.</summary>
    public bool IsConfigured => Issuer.Length > 0 && (Authority.Length > 0 || SigningKeys.Count > 0);
}

/// <summary>Who is calling a listener route, once <see cref="ListenerAuthentication.AuthenticateAsync"/> has looked.</summary>
/// <param name="UserId">The listener a valid bearer token names; null without a token.</param>
/// <param name="Refusal">The 401 or 403 to answer when a token was presented but is not accepted.</param>
public readonly record struct ListenerCaller(string? UserId, ProblemHttpResult? Refusal)
{
    /// <summary>No bearer token was presented.</summary>
    public bool IsAnonymous => UserId is null && Refusal is null;
}

/// <summary>Marks a route whose caller is the listener named by a bearer token (for the API description).</summary>
public sealed class ListenerAuthenticationMetadata
{
    /// <summary>The one instance.</summary>
    public static readonly ListenerAuthenticationMetadata Instance = new();

    private ListenerAuthenticationMetadata()
    {
    }
}

/// <summary>
/// Validates listeners' bearer tokens with ASP.NET Core's JWT bearer handler, called by the routes
/// themselves (so both hosts do exactly the same: under Azure the Functions host passes the
/// <c>Authorization</c> header through to the worker untouched).
/// </summary>
public static class ListenerAuthentication
{
    /// <summary>The authentication scheme.</summary>
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>The development issuer, audience and key id of the sample configuration.</summary>
    public const string DevelopmentIssuer = "resso-dev", DevelopmentAudience = "resso-api", DevelopmentKeyId = "dev";

    /// <summary>
    /// The sample configuration's signing key (base64 of <c>DEVELOPMENT-ONLY-AUTH-KEY-never-use-in-production-00</c>):
    /// public, so it is accepted only in Development, where <c>POST /api/dev/token</c> signs with it.
    /// </summary>
    public const string DevelopmentSecret = "REVWRUxPUE1FTlQtT05MWS1BVVRILUtFWS1uZXZlci11c2UtaW4tcHJvZHVjdGlvbi0wMA==";

    /// <summary>The shortest symmetric key accepted.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>Registers the options (validated at start) and the JWT bearer handler configured from them.</summary>
    public static IServiceCollection AddListenerAuthentication(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<ListenerAuthOptions>().BindConfiguration(ListenerAuthOptions.SectionName);
        services.AddSingleton<IValidateOptions<ListenerAuthOptions>, ListenerAuthOptionsValidator>();
        services.AddAuthentication().AddJwtBearer(Scheme, _ => { });
        services.AddOptions<JwtBearerOptions>(Scheme).Configure<IOptions<ListenerAuthOptions>>((jwt, auth) => Configure(jwt, auth.Value));
        return services;
    }

    /// <summary>
    /// Reads the bearer token, if any. No token: an anonymous caller. A token that is not valid
    /// (signature, issuer, audience, lifetime, or a subject that is not a user id): a refusal, 401
    /// with <c>WWW-Authenticate</c> as RFC 6750 has it.
    /// </summary>
    public static async Task<ListenerCaller> AuthenticateAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Headers.Authorization.Count == 0)
        {
            return default;
        }

        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<ListenerAuthOptions>>().Value;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(context, "invalid_request", "The Authorization header must be 'Bearer {token}'.", guessing: true);
        }

        if (!options.IsConfigured)
        {
            return Refuse(context, "invalid_token", "This deployment accepts no listener tokens: Resso__Auth__Issuer, Resso__Auth__Audience and Resso__Auth__Authority or Resso__Auth__SigningKeys are not set.");
        }

        var result = await context.AuthenticateAsync(Scheme);
        if (!result.Succeeded || result.Principal is null)
        {
            // The handler's failure names the check that failed (expired, issuer, signature…); never the token.
            // Forged or foreign tokens count towards the client's lockout (RateLimits); an expired or
            // early one is what an app with a stale token sends, and must not lock out a carrier NAT.
            var stale = result.Failure is SecurityTokenExpiredException or SecurityTokenNotYetValidException;
            var reason = result.Failure switch
            {
                SecurityTokenExpiredException => "The token has expired.",
                SecurityTokenInvalidIssuerException => "The token's issuer is not accepted.",
                SecurityTokenInvalidAudienceException => "The token's audience is not this API.",
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
                SecurityTokenNotYetValidException => "The token is not valid yet.",
                _ => "The token is not valid.",
            };
            return Refuse(context, "invalid_token", reason, guessing: !stale);
        }

        var userId = result.Principal.FindFirst(options.UserIdClaim)?.Value;
        return userId is not null && Ids.IsValid(userId)
            ? new ListenerCaller(userId, null)
            : Refuse(context, "invalid_token", $"The token's '{options.UserIdClaim}' claim is not a user id ({Ids.Problem})", guessing: true);
    }

    /// <summary>The 401 of a route that needs a listener and got no token.</summary>
    public static ProblemHttpResult Required(HttpContext context) =>
        Refuse(context, null, "This route needs the listener's access token in 'Authorization: Bearer {token}'.").Refusal!;

    /// <summary>Signs a development token for <paramref name="userId"/> with <see cref="DevelopmentSecret"/>.</summary>
    public static string CreateDevelopmentToken(string userId, DateTimeOffset now, TimeSpan lifetime)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = DevelopmentIssuer,
            Audience = DevelopmentAudience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = userId },
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Convert.FromBase64String(DevelopmentSecret)) { KeyId = DevelopmentKeyId },
                SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>True when the configuration is the development issuer's (so <c>POST /api/dev/token</c> signs tokens it accepts).</summary>
    public static bool UsesDevelopmentIssuer(ListenerAuthOptions options) =>
        options.Issuer == DevelopmentIssuer && options.SigningKeys.TryGetValue(DevelopmentKeyId, out var key) && key == DevelopmentSecret;

    private static ListenerCaller Refuse(HttpContext context, string? error, string detail, bool guessing = false)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ListenerAuthentication));
        Log.KeyRefused(logger, context.Request.Method, context.Request.Path.Value ?? "?", error ?? "no token");
        return new ListenerCaller(null, Unauthenticated(context, error, detail, "A valid listener token is required.", guessing));
    }

    /// <summary>
    /// The <c>401</c> <c>urn:resso:problem:unauthenticated</c> with its <c>WWW-Authenticate: Bearer</c>
    /// challenge (RFC 6750; <paramref name="error"/> when a token was refused). When the request looks
    /// like guessing, it counts towards the client's lockout (<see cref="RateLimits.RecordUnauthorized"/>).
    /// </summary>
    public static ProblemHttpResult Unauthenticated(HttpContext context, string? error, string detail, string title, bool guessing)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (guessing)
        {
            context.RequestServices.GetRequiredService<RateLimits>().RecordUnauthorized(context);
        }

        context.Response.Headers.WWWAuthenticate = error is null ? "Bearer realm=\"resso\"" : $"Bearer realm=\"resso\", error=\"{error}\"";
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: title, type: Problems.TypePrefix + "unauthenticated");
    }

    private static void Configure(JwtBearerOptions jwt, ListenerAuthOptions auth)
    {
        jwt.MapInboundClaims = false;
        jwt.SaveToken = false;
        if (auth.Authority.Length > 0)
        {
            jwt.Authority = auth.Authority;
            jwt.RequireHttpsMetadata = true;
        }

        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = auth.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = auth.ClockSkew,
            NameClaimType = auth.UserIdClaim,
            IssuerSigningKeys = [.. auth.SigningKeys.Select(k => new SymmetricSecurityKey(Convert.FromBase64String(k.Value)) { KeyId = k.Key })],
        };
    }
}

/// <summary>Listener-token settings are whole, and the public development key is refused outside Development.</summary>
internal sealed class ListenerAuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<ListenerAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, ListenerAuthOptions options)
    {
        var errors = new List<string>();
        if (options.Issuer.Length == 0 && (options.Audience.Length > 0 || options.Authority.Length > 0 || options.SigningKeys.Count > 0))
        {
            errors.Add("Resso__Auth__Issuer: is required once any other Resso__Auth__ setting is set.");
        }

        if (options.Issuer.Length > 0 && options.Audience.Length == 0)
        {
            errors.Add("Resso__Auth__Audience: is required with Resso__Auth__Issuer (tokens made for another API must be refused).");
        }

        if (options.Issuer.Length > 0 && options.Authority.Length == 0 && options.SigningKeys.Count == 0)
        {
            errors.Add("Resso__Auth__Authority or Resso__Auth__SigningKeys__{kid}: one is required with Resso__Auth__Issuer, to know the signing keys.");
        }

        if (options.Authority.Length > 0 && !(Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) && authority.Scheme == Uri.UriSchemeHttps))
        {
            errors.Add("Resso__Auth__Authority: must be the identity provider's https issuer URL.");
        }

        if (options.UserIdClaim.Length == 0)
        {
            errors.Add("Resso__Auth__UserIdClaim: must name a claim (default sub).");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(10))
        {
            errors.Add("Resso__Auth__ClockSkew: must be from 00:00:00 to 00:10:00.");
        }

        foreach (var (keyId, secret) in options.SigningKeys)
        {
            var setting = $"Resso__Auth__SigningKeys__{keyId}";
            var bytes = new byte[secret.Length];
            if (!Convert.TryFromBase64String(secret, bytes, out var length))
            {
                errors.Add($"{setting}: is not base64.");
            }
            else if (length < ListenerAuthentication.MinimumKeyBytes)
            {
                errors.Add($"{setting}: has {length} bytes; at least {ListenerAuthentication.MinimumKeyBytes} are needed (e.g. openssl rand -base64 32).");
            }
            else if (!environment.IsDevelopment() && CryptographicOperations.FixedTimeEquals(bytes.AsSpan(0, length), Convert.FromBase64String(ListenerAuthentication.DevelopmentSecret)))
            {
                errors.Add($"{setting}: is the sample's public development key, accepted only in Development. Configure your identity provider.");
            }
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
