using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Resso.Shared.Configuration;
using Resso.Shared.Telemetry;

namespace Resso.Functions.Core.Telemetry;

/// <summary>What both hosts collect: the app's meter and spans, ASP.NET Core, HttpClient and the Azure SDK's storage calls, redacted.</summary>
public static class RessoOpenTelemetryExtensions
{
    /// <summary>The setting that says which share of traces is kept (<c>Resso__Telemetry__TraceSampleRatio</c>).</summary>
    public const string TraceSampleRatioKey = "Resso:Telemetry:TraceSampleRatio";

    /// <summary>
    /// The share of traces kept when <see cref="TraceSampleRatioKey"/> is not set. Metrics are
    /// complete either way; a trace costs a span per request and per storage call, serialized and
    /// exported, which on a busy instance is most of telemetry's cost (docs/benchmarks.md, "Telemetry on and off").
    /// </summary>
    public const double DefaultTraceSampleRatio = 0.1;

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
            // A trace the caller (or the Functions host) sampled is kept; otherwise a share of trace ids.
            .SetSampler(static sp => new ParentBasedSampler(new TraceIdRatioBasedSampler(TraceSampleRatio(sp.GetRequiredService<IConfiguration>()))))
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

    /// <summary>The share of traces to keep, from <see cref="TraceSampleRatioKey"/> (0–1).</summary>
    /// <exception cref="RessoConfigurationException">The setting is not a number from 0 to 1.</exception>
    public static double TraceSampleRatio(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[TraceSampleRatioKey];
        if (string.IsNullOrEmpty(value))
        {
            return DefaultTraceSampleRatio;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? ratio
            : throw new RessoConfigurationException("Resso__Telemetry__TraceSampleRatio", $"\"{value}\" is not a share of traces from 0 to 1, e.g. 0.1 for one trace in ten.");
    }

    private static bool InAzureSdkCall(Activity? activity) =>
        activity is not null
        && (activity.Source.Name.StartsWith("Azure.", StringComparison.Ordinal) || activity.Parent?.Source.Name.StartsWith("Azure.", StringComparison.Ordinal) == true);
}
