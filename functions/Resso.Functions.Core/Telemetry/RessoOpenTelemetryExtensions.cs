using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Resso.Shared.Telemetry;

namespace Resso.Functions.Core.Telemetry;

/// <summary>What both hosts collect: the app's meter and spans, ASP.NET Core, HttpClient and the Azure SDK's storage calls, redacted.</summary>
public static class RessoOpenTelemetryExtensions
{
    /// <summary>The Azure SDK's activity sources (one per client type: <c>Azure.Storage.Queues.QueueClient</c>, …, and <c>Azure.Core.Http</c>).</summary>
    public const string AzureSdkSources = "Azure.*";

    /// <summary>
    /// Adds the app's instrumentation to <paramref name="otel"/>; exporters are the host's business.
    /// The Azure SDK emits its spans through <see cref="ActivitySource"/> only when the
    /// <c>Azure.Experimental.EnableActivitySource</c> switch is on: the hosts' project files set it.
    /// </summary>
    public static TBuilder AddRessoInstrumentation<TBuilder>(this TBuilder otel)
        where TBuilder : IOpenTelemetryBuilder
    {
        otel.WithTracing(static tracing => tracing
            .AddSource(RessoTelemetry.Name, AzureSdkSources)
            .AddAspNetCoreInstrumentation()
            // The Azure SDK's own HTTP span already covers a storage call: no second span for its request.
            .AddHttpClientInstrumentation(static o => o.FilterHttpRequestMessage = static _ => !InAzureSdkCall(Activity.Current))
            .AddProcessor(new TelemetryRedaction()));
        otel.WithMetrics(static metrics => metrics
            .AddMeter(RessoTelemetry.Name)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation());
        return otel;
    }

    private static bool InAzureSdkCall(Activity? activity) =>
        activity is not null
        && (activity.Source.Name.StartsWith("Azure.", StringComparison.Ordinal) || activity.Parent?.Source.Name.StartsWith("Azure.", StringComparison.Ordinal) == true);
}
