using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resso.Functions.Core;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Dashboard;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Links;
using Resso.Functions.SelfHost.Configuration;
using Resso.Functions.SelfHost.Queues;
using Resso.Functions.SelfHost.Timers;
using Resso.Shared.Configuration;
using Scalar.AspNetCore;

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
        Environment.GetEnvironmentVariable("AzureWebJobsScriptRoot") is { Length: > 0 } root ? root
        : IsDocumentGeneration ? Path.GetDirectoryName(typeof(SelfHostApp).Assembly.Location)!
        : AppContext.BaseDirectory;

    /// <summary>Where the self-host serves the API reference page (Scalar), reading <see cref="RessoApi.OpenApiPath"/>.</summary>
    public const string ReferencePath = RessoApi.RoutePrefix + "/reference";

    /// <summary>
    /// True when the build's OpenAPI tool (Microsoft.Extensions.ApiDescription.Server's
    /// GetDocument.Insider) runs this app to write the document: it runs the entry point with a
    /// server that never listens and reads the document from the built app's services, so nothing
    /// may need storage or secrets: the app runs in Development (the sample settings) without its
    /// hosted services (queue listeners, timers, watchers, gauges).
    /// </summary>
    internal static bool IsDocumentGeneration { get; } =
        string.Equals(System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name, "GetDocument.Insider", StringComparison.Ordinal);

    /// <summary>Builds the app. <paramref name="configure"/> runs before the app's own registrations (tests add settings there).</summary>
    /// <exception cref="InvalidSettingsException">
    /// Settings, host.json or local.settings.json are malformed: every invalid setting, found before
    /// anything starts. A malformed local.settings.json is reported alone, since the settings it holds
    /// cannot be checked without it.
    /// </exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = IsDocumentGeneration ? ScriptRoot : AppContext.BaseDirectory,
            EnvironmentName = IsDocumentGeneration ? Environments.Development : null,
        });
        var problems = builder.CollectConfigurationProblems();
        if (!problems.Check(() => builder.Configuration.AddLocalSettings(ScriptRoot, builder.Environment.IsDevelopment())))
        {
            problems.ThrowIfAny();
        }

        configure?.Invoke(builder);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var hostJson = problems.Check(() => HostJson.Load(Path.Combine(ScriptRoot, HostJson.FileName)), HostJson.Defaults);
        foreach (var (category, level) in hostJson.LogLevels)
        {
            // host.json calls the root category "default", as the Functions host does.
            builder.Logging.AddFilter(category.Equals("default", StringComparison.OrdinalIgnoreCase) ? null : category, level);
        }

        var queues = hostJson.Queues;
        if (builder.Configuration["Resso:SelfHost:MessageLease"] is { Length: > 0 } lease)
        {
            if (TimeSpan.TryParse(lease, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.FromSeconds(1))
            {
                queues = queues with { MessageLease = value };
            }
            else
            {
                problems.Add(new RessoConfigurationException("Resso__SelfHost__MessageLease", "must be a duration \"hh:mm:ss\" of at least one second."));
            }
        }

        builder.Services.TryAddSingleton(queues); // tests may set their own first
        builder.AddResso();
        builder.CheckSettings(() => builder.AddSelfHostTelemetry());
        builder.CheckSettings(() => ApiKeys.EnsureConfigured(builder.Configuration, builder.Environment));
        builder.Services.AddMetrics();
        builder.Services.AddHostedService<QueueListenerService>();
        builder.Services.AddHostedService<TimerScheduler>();
        builder.Services.AddHostedService<StartupReport>();
        builder.Services.AddRessoOpenApi();
        if (IsDocumentGeneration)
        {
            builder.Services.RemoveAll<IHostedService>();
        }

        // Everything is checked before the container is built, so no hosted service starts on a bad
        // setting; the timers' schedules too, which the scheduler would otherwise read as it starts.
        builder.ThrowIfInvalid((services, found) => TimerSchedule.CheckAll(builder.Services, services, builder.Configuration, found));
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
        // Where iOS and Android fetch them; on Azure, Front Door's rewrite to /api/well-known does this.
        app.MapGet(AppAssociation.ApplePath, AppAssociation.Apple).ExcludeFromDescription().WithMetadata(SelfHostOnly.Instance);
        app.MapGet(AppAssociation.AndroidPath, AppAssociation.Android).ExcludeFromDescription().WithMetadata(SelfHostOnly.Instance);
        app.MapDevelopmentTokens();
        app.MapLandingPage();
        // The dashboard at the root as well as under /api, where the Functions app serves it.
        app.MapGet("/dashboard/{*path}", DashboardFiles.Serve).ExcludeFromDescription().WithMetadata(SelfHostOnly.Instance);
        app.MapOpenApi(RessoApi.OpenApiPath).AllowAnonymousFunction();
        // The page and its script bundle are served from this app (the package embeds them); no font or script from elsewhere.
        app.MapScalarApiReference(ReferencePath, static options => options
            .WithTitle(ApiContract.Title)
            .WithOpenApiRoutePattern(RessoApi.OpenApiPath)
            .DisableDefaultFonts())
            .WithMetadata(SelfHostOnly.Instance);
        return app;
    }

    /// <summary>What the self-host calls itself in the lines it writes when it cannot start.</summary>
    public const string Name = "Resso self-host";

    /// <summary>
    /// Runs until Ctrl+C. Returns 0, or 2 with a message on standard error and no stack trace when
    /// it cannot start: every invalid setting, one line each, or the address it should listen on
    /// is taken.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (InvalidSettingsException ex)
        {
            await Console.Error.WriteLineAsync(ex.Describe(Name));
            return 2;
        }

        await using (app)
        {
            if (ListenAddresses.FirstInUse(app.Configuration["urls"]) is { } taken)
            {
                await Console.Error.WriteLineAsync($"{Name} cannot start: {ListenAddresses.InUseMessage(taken)}");
                return 2;
            }

            try
            {
                await app.RunAsync();
            }
            catch (IOException ex) when (ListenAddresses.InUse(ex) is { } address)
            {
                // Taken between the check above and Kestrel's bind.
                await Console.Error.WriteLineAsync($"{Name} cannot start: {ListenAddresses.InUseMessage(address)}");
                return 2;
            }
            catch (RessoConfigurationException ex)
            {
                await Console.Error.WriteLineAsync($"{Name} cannot start: {ex.Message}");
                return 2;
            }
            catch (OptionsValidationException ex)
            {
                await Console.Error.WriteLineAsync($"{Name} cannot start: {string.Join(" ", ex.Failures)}");
                return 2;
            }
        }

        return 0;
    }
}

/// <summary>
/// Endpoint metadata of the routes only the self-host has (the API reference page): they are not
/// functions of the Azure Functions app, and the tests that compare the hosts leave them out.
/// </summary>
public sealed class SelfHostOnly
{
    private SelfHostOnly()
    {
    }

    /// <summary>The marker.</summary>
    public static SelfHostOnly Instance { get; } = new();
}
