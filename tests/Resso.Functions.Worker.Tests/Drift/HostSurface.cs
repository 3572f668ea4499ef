using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Resso.Functions.Core.Hosting;

namespace Resso.Functions.Worker.Tests.Drift;

/// <summary>
/// What a host exposes, trigger by trigger: HTTP routes with method and authorization level, the
/// queue each queue trigger listens on, and each timer's name with its schedule expression.
/// </summary>
internal sealed record HostSurface(IReadOnlySet<string> Routes, IReadOnlySet<string> Queues, IReadOnlySet<string> Timers)
{
    /// <summary>Every item on one side and not on the other, named so that a failure says what drifted.</summary>
    public static IReadOnlyList<string> Differences(HostSurface functions, HostSurface selfHost)
    {
        var differences = new List<string>();
        void Compare(string what, IReadOnlySet<string> azure, IReadOnlySet<string> local)
        {
            differences.AddRange(azure.Except(local).Order().Select(x => $"{what} {x} is in the Azure Functions app only"));
            differences.AddRange(local.Except(azure).Order().Select(x => $"{what} {x} is in the self-host only"));
        }

        Compare("route", functions.Routes, selfHost.Routes);
        Compare("queue", functions.Queues, selfHost.Queues);
        Compare("timer", functions.Timers, selfHost.Timers);
        return differences;
    }

    /// <summary>
    /// Reads the bindings of the built app's function index: each httpTrigger's methods, route and
    /// level; each queueTrigger's queue name resolved from <paramref name="hostConfiguration"/> as
    /// the host resolves it; each timerTrigger's schedule expression as written.
    /// </summary>
    public static HostSurface FromMetadata(IEnumerable<FunctionBinding> bindings, IConfiguration hostConfiguration)
    {
        var (routes, queues, timers) = (new HashSet<string>(), new HashSet<string>(), new HashSet<string>());
        foreach (var binding in bindings)
        {
            var b = binding.Binding;
            switch (binding.Type)
            {
                case "httpTrigger":
                    foreach (var verb in b["methods"]!.AsArray().Select(m => (string)m!))
                    {
                        routes.Add($"{verb.ToUpperInvariant()} /api/{(string)b["route"]!} {(string)b["authLevel"]!}");
                    }

                    break;
                case "queueTrigger":
                    queues.Add(FunctionsAppBuild.Resolve((string)b["queueName"]!, hostConfiguration));
                    break;
                case "timerTrigger":
                    timers.Add($"{binding.Function} {(string)b["schedule"]!}");
                    break;
            }
        }

        return new HostSurface(routes, queues, timers);
    }

    /// <summary>The self-host's route table and its registered queue and timer handlers, built (not started) with <paramref name="settings"/>.</summary>
    public static HostSurface FromSelfHost(IReadOnlyDictionary<string, string?> settings)
    {
        using var app = SelfHost.SelfHostApp.Build(["--environment", "Development"], builder => builder.Configuration.AddInMemoryCollection(settings));
        var routes = new HashSet<string>();
        // The API reference page, the development token issuer and the app-association files at the
        // root (Front Door's rewrite on Azure) are the self-host's own (SelfHostOnly); every other route must be a function too.
        foreach (var endpoint in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Where(e => e.Metadata.GetMetadata<SelfHost.SelfHostOnly>() is null))
        {
            var level = endpoint.Metadata.OfType<FunctionAuthorization>().Select(l => l.ToString()).LastOrDefault() ?? "none";
            foreach (var verb in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                routes.Add($"{verb} /{endpoint.RoutePattern.RawText!.TrimStart('/')} {level}");
            }
        }

        return new HostSurface(
            routes,
            app.Services.GetServices<IQueueHandler>().Select(q => q.QueueName).ToHashSet(),
            app.Services.GetServices<ITimerHandler>().Select(t => $"{t.Name} {t.Schedule}").ToHashSet());
    }
}
