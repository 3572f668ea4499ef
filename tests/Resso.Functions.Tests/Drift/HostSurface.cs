using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.Extensions.DependencyInjection;
using Resso.Functions.Core;
using Resso.Functions.Core.Hosting;

namespace Resso.Functions.Tests.Drift;

/// <summary>What a host exposes: HTTP routes with method and authorization level, queue triggers, timer schedules.</summary>
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
    /// Reads the Azure Functions app's source: each <c>[Function]</c> method's HttpTrigger (level,
    /// methods, route), QueueTrigger queue or TimerTrigger schedule. Schedules given as a constant
    /// (<c>RetrainTimer.ScheduleExpression</c>) are resolved in <c>Resso.Functions.Core</c>.
    /// </summary>
    public static HostSurface FromFunctionsSource(IEnumerable<string> sources)
    {
        var (routes, queues, timers) = (new HashSet<string>(), new HashSet<string>(), new HashSet<string>());
        foreach (var source in sources)
        {
            var root = CSharpSyntaxTree.ParseText(source).GetCompilationUnitRoot();
            foreach (var method in root.DescendantNodes().OfType<MethodDeclarationSyntax>().Where(m => Attributes(m.AttributeLists).Any(a => Name(a) == "Function")))
            {
                foreach (var attribute in method.ParameterList.Parameters.SelectMany(p => Attributes(p.AttributeLists)))
                {
                    var args = attribute.ArgumentList?.Arguments ?? default;
                    switch (Name(attribute))
                    {
                        case "HttpTrigger":
                            var level = args.First().Expression.ToString().Split('.').Last();
                            var route = args.Single(a => a.NameEquals?.Name.Identifier.Text == "Route").Expression is LiteralExpressionSyntax r ? r.Token.ValueText : "?";
                            foreach (var verb in args.Skip(1).Where(a => a.NameEquals is null).Select(a => ((LiteralExpressionSyntax)a.Expression).Token.ValueText))
                            {
                                routes.Add($"{verb.ToUpperInvariant()} /api/{route} {level}");
                            }

                            break;
                        case "QueueTrigger":
                            queues.Add(((LiteralExpressionSyntax)args.First().Expression).Token.ValueText);
                            break;
                        case "TimerTrigger":
                            timers.Add(args.First().Expression is LiteralExpressionSyntax literal ? literal.Token.ValueText : Constant(args.First().Expression.ToString()));
                            break;
                    }
                }
            }
        }

        return new HostSurface(routes, queues, timers);
    }

    /// <summary>Reads the self-host's route table and its registered queue and timer handlers (storage names without a prefix).</summary>
    public static HostSurface FromSelfHost(WebApplication app)
    {
        var routes = new HashSet<string>();
        foreach (var endpoint in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var level = endpoint.Metadata.OfType<FunctionAuthorization>().Select(l => l.ToString()).LastOrDefault() ?? "none";
            foreach (var verb in endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                routes.Add($"{verb} /{endpoint.RoutePattern.RawText!.TrimStart('/')} {level}");
            }
        }

        return new HostSurface(
            routes,
            app.Services.GetServices<IQueueHandler>().Select(q => q.QueueName).ToHashSet(),
            app.Services.GetServices<ITimerHandler>().Select(t => t.Schedule).ToHashSet());
    }

    private static IEnumerable<AttributeSyntax> Attributes(SyntaxList<AttributeListSyntax> lists) => lists.SelectMany(l => l.Attributes);

    private static string Name(AttributeSyntax attribute) => attribute.Name.ToString().Split('.').Last().Replace("Attribute", "", StringComparison.Ordinal);

    // "Core.Model.RetrainTimer.ScheduleExpression" → the constant's value, found by type name in Resso.Functions.Core.
    private static string Constant(string expression)
    {
        var parts = expression.Split('.');
        var type = typeof(RessoApi).Assembly.GetTypes().Single(t => t.Name == parts[^2]);
        return (string)type.GetField(parts[^1], BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
    }
}
