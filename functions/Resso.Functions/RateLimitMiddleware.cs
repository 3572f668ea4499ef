using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Resso.Functions.Core.Hosting;

namespace Resso.Functions;

/// <summary>The anonymous routes' per-client limits, as on the self-host (the logic is <see cref="RateLimits"/>).</summary>
internal sealed class RateLimitMiddleware(RateLimits limits) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is { } http && limits.Check(http) is { } rejected)
        {
            await rejected.ExecuteAsync(http);
            return;
        }

        await next(context);
    }
}
