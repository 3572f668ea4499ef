using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Resso.Functions.Core.Hosting;

/// <summary>How a route is authorised, as the <c>AuthorizationLevel</c> of its Azure function.</summary>
public enum FunctionAuthorization
{
    /// <summary>No key: reads used by the short-video app and listeners.</summary>
    Anonymous,

    /// <summary>A function key in <c>x-functions-key</c> (or <c>?code=</c>): write and admin routes.</summary>
    Function,
}

/// <summary>
/// On the self-host, does what the Functions host does for <c>AuthorizationLevel.Function</c>:
/// requires a valid key in <c>x-functions-key</c> or the <c>code</c> query parameter, and counts each
/// refusal towards the client's <c>401</c> lockout (<see cref="RateLimits.RecordUnauthorized"/>). It
/// runs only on the self-host; under Azure the host checks keys before the function runs.
/// </summary>
public sealed class FunctionKeyFilter(ApiKeys keys, RateLimits limits, ILogger<FunctionKeyFilter> logger) : IEndpointFilter
{
    /// <inheritdoc />
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var presented = ApiKeys.Presented(request);
        if (keys.IsValid(presented))
        {
            return next(context);
        }

        var route = (context.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "?";
        Log.KeyRefused(logger, request.Method, route, string.IsNullOrEmpty(presented) ? "no key" : "wrong key");
        limits.RecordUnauthorized(context.HttpContext);
        return ValueTask.FromResult<object?>(Problems.Unauthorized(string.IsNullOrEmpty(presented)
            ? $"This route needs a key in the {ApiKeys.HeaderName} header."
            : "The key is not valid."));
    }
}

/// <summary>Marks routes with their authorization level, for the self-host and for tests that compare hosts.</summary>
public static class FunctionAuthorizationExtensions
{
    /// <summary>Requires a function key, as <c>AuthorizationLevel.Function</c> does under Azure.</summary>
    public static TBuilder RequireFunctionKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(FunctionAuthorization.Function).AddEndpointFilter<TBuilder, FunctionKeyFilter>();

    /// <summary>
    /// No key at the host (<c>AuthorizationLevel.Anonymous</c>); the route itself requires the
    /// listener's bearer token (<see cref="ListenerAuthentication"/>), under both hosts.
    /// </summary>
    public static TBuilder RequireListener<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(FunctionAuthorization.Anonymous, ListenerAuthenticationMetadata.Instance);

    /// <summary>No key, as <c>AuthorizationLevel.Anonymous</c>.</summary>
    public static TBuilder AllowAnonymousFunction<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(FunctionAuthorization.Anonymous);
}
