using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Resso.Functions.Core;

namespace Resso.Functions;

/// <summary>
/// Unhandled exceptions of HTTP functions become the same problem+json the self-host answers; a
/// request its client abandoned ends as the self-host ends it (499, not logged as a failure).
/// </summary>
internal sealed partial class ExceptionMiddleware(ILogger<ExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.GetHttpContext() is { RequestAborted.IsCancellationRequested: true } http)
        {
            if (!http.Response.HasStarted)
            {
                http.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            }
        }
        catch (Exception ex) when (context.GetHttpContext() is { } http)
        {
            LogUnhandled(logger, ex, context.FunctionDefinition.Name);
            await UnhandledErrors.WriteAsync(http);
        }
    }

    [LoggerMessage(1, LogLevel.Error, "Function {Function} failed")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string function);
}
