using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resso.Functions.Core;
using Resso.Shared.Storage;

namespace Resso.Functions;

/// <summary>
/// The Azure Functions app's composition, in one place: <c>Program.cs</c> calls it before running
/// the worker, and the worker's tests call it to build the same container and pipeline.
/// </summary>
public static class RessoWorker
{
    /// <summary>
    /// The ASP.NET Core integration, the app's worker middleware in invocation order (errors
    /// outermost, then the anonymous routes' rate limits), the registrations of both hosts, telemetry, and
    /// the check that the queue triggers' settings name the queues the app sends to.
    /// </summary>
    public static FunctionsApplicationBuilder Configure(FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<ExceptionMiddleware>();
        builder.UseMiddleware<RateLimitMiddleware>();
        builder.AddResso();
        builder.AddRessoWorkerTelemetry();
        builder.Services.AddSingleton<IValidateOptions<StorageOptions>, TriggerSettings>();
        return builder;
    }
}
