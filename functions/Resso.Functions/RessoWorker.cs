using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Functions.Core;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Configuration;
using Resso.Shared.Storage;

namespace Resso.Functions;

/// <summary>
/// The Azure Functions app's composition, in one place: <c>Program.cs</c> calls it before running
/// the worker, and the worker's tests call it to build the same container and pipeline.
/// </summary>
public static class RessoWorker
{
    /// <summary>What the app calls itself in the lines it writes when it cannot start.</summary>
    public const string Name = "Resso Functions app";

    /// <summary>
    /// The ASP.NET Core integration, the app's worker middleware in invocation order (errors
    /// outermost, then the anonymous routes' rate limits), the registrations of both hosts, telemetry, and
    /// the check that the queue triggers' settings name the queues the app sends to. Then every
    /// setting is checked, before anything is built or started.
    /// </summary>
    /// <exception cref="InvalidSettingsException">Settings are invalid: all of them, one problem each.</exception>
    public static FunctionsApplicationBuilder Configure(FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.CollectConfigurationProblems();
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<ExceptionMiddleware>();
        builder.UseMiddleware<RateLimitMiddleware>();
        builder.AddResso();
        builder.AddRessoWorkerTelemetry();
        builder.Services.AddSingleton<IValidateOptions<StorageOptions>, TriggerSettings>();
        builder.ThrowIfInvalid();
        return builder;
    }

    /// <summary>
    /// Composes the app and runs the worker until the Functions host stops it. When settings are
    /// invalid, writes every one to <paramref name="error"/> (one line each, no stack trace; the
    /// Functions host logs the worker's standard error) and through the app's logging, and returns 2.
    /// </summary>
    /// <returns>The process exit code: 0, or 2 when the configuration is invalid.</returns>
    public static int Run(FunctionsApplicationBuilder builder, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            Configure(builder);
        }
        catch (InvalidSettingsException ex)
        {
            error.WriteLine(ex.Describe(Name));
            error.Flush();
            LogProblems(builder.Services, ex);
            return 2;
        }

        builder.Build().Run();
        return 0;
    }

    /// <summary>Logs the problems through the app's own logging (console, OpenTelemetry to Application Insights), flushed when its container is disposed.</summary>
    private static void LogProblems(IServiceCollection services, InvalidSettingsException exception)
    {
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = false });
        StartupValidation.LogProblems(provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RessoWorker).FullName!), exception);
    }
}
