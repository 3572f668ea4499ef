using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Resso.Functions.Core.Hosting;

namespace Resso.Functions;

/// <summary>
/// The limits of <see cref="RateLimits"/>, as on the self-host. The route's authorization level is
/// read once per function from its <see cref="HttpTriggerAttribute"/>, as the self-host reads it
/// from the endpoint's metadata.
/// </summary>
internal sealed class RateLimitMiddleware(RateLimits limits) : IFunctionsWorkerMiddleware
{
    private readonly ConcurrentDictionary<string, FunctionAuthorization?> _authorization = new(StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is { } http
            && limits.Check(http, _authorization.GetOrAdd(context.FunctionDefinition.EntryPoint, AuthorizationOf)) is { } rejected)
        {
            await rejected.ExecuteAsync(http);
            return;
        }

        await next(context);
    }

    // "Namespace.Type.Method" in this assembly; null when it cannot be found (then the path decides).
    private static FunctionAuthorization? AuthorizationOf(string entryPoint)
    {
        var dot = entryPoint.LastIndexOf('.');
        var method = dot > 0 ? typeof(RateLimitMiddleware).Assembly.GetType(entryPoint[..dot])?.GetMethod(entryPoint[(dot + 1)..]) : null;
        var trigger = method?.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);
        return trigger is null ? null
            : trigger.AuthLevel == AuthorizationLevel.Anonymous ? FunctionAuthorization.Anonymous
            : FunctionAuthorization.Function;
    }
}
