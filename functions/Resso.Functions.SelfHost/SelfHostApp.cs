using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resso.Functions.Core;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Links;
using Resso.Functions.SelfHost.Configuration;
using Resso.Functions.SelfHost.Queues;
using Resso.Functions.SelfHost.Timers;
using Resso.Shared.Configuration;

namespace Resso.Functions.SelfHost;

/// <summary>
/// The self-host: the app's HTTP routes on Kestrel, plus the part of the Functions host the app
/// relies on (queue listeners and timers that honour host.json). Used for local runs, tests and
/// container deployments.
/// </summary>
public static class SelfHostApp
{
    /// <summary>Where the self-host listens unless <c>ASPNETCORE_URLS</c> or <c>--urls</c> says otherwise (the Functions host's port).</summary>
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>
    /// The folder holding host.json and local.settings(.sample).json: <c>AzureWebJobsScriptRoot</c>
    /// as for the Functions host, else the app's own folder, where the build copies them.
    /// </summary>
    public static string ScriptRoot =>
        Environment.GetEnvironmentVariable("AzureWebJobsScriptRoot") is { Length: > 0 } root ? root : AppContext.BaseDirectory;

    /// <summary>Builds the app. <paramref name="configure"/> runs before the app's own registrations (tests add settings there).</summary>
    /// <exception cref="RessoConfigurationException">A setting, host.json or local.settings.json is malformed.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddLocalSettings(ScriptRoot, builder.Environment.IsDevelopment());
        configure?.Invoke(builder);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var hostJson = HostJson.Load(Path.Combine(ScriptRoot, HostJson.FileName));
        foreach (var (category, level) in hostJson.LogLevels)
        {
            // host.json calls the root category "default", as the Functions host does.
            builder.Logging.AddFilter(category.Equals("default", StringComparison.OrdinalIgnoreCase) ? null : category, level);
        }

        var queues = builder.Configuration["Resso:SelfHost:MessageLease"] is { Length: > 0 } lease
            ? hostJson.Queues with { MessageLease = TimeSpan.TryParse(lease, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.FromSeconds(1)
                ? value
                : throw new RessoConfigurationException("Resso__SelfHost__MessageLease", "must be a duration \"hh:mm:ss\" of at least one second.") }
            : hostJson.Queues;
        builder.Services.TryAddSingleton(queues); // tests may set their own first
        builder.AddResso();
        builder.AddSelfHostTelemetry();
        ApiKeys.EnsureConfigured(builder.Configuration, builder.Environment);
        builder.Services.AddMetrics();
        builder.Services.AddHostedService<QueueListenerService>();
        builder.Services.AddHostedService<TimerScheduler>();
        builder.Services.AddHostedService<StartupReport>();

        var app = builder.Build();
        app.UseExceptionHandler(errors => errors.Run(UnhandledErrors.WriteAsync));
        app.UseStatusCodePages();
        var limits = app.Services.GetRequiredService<RateLimits>();
        app.Use(async (context, next) =>
        {
            if (limits.Check(context) is { } rejected)
            {
                await rejected.ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        app.MapRessoApi();
        app.MapAppAssociationAtRoot();
        app.MapDevelopmentTokens();
        return app;
    }

    /// <summary>Runs until Ctrl+C. Returns 0, or 2 with one line on standard error when the configuration is bad.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            await using var app = Build(args);
            await app.RunAsync();
            return 0;
        }
        catch (RessoConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"Resso self-host cannot start: {ex.Message}");
            return 2;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"Resso self-host cannot start: {string.Join(" ", ex.Failures)}");
            return 2;
        }
    }
}
