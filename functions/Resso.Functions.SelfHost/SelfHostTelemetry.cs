using OpenTelemetry;
using OpenTelemetry.Resources;
using Resso.Functions.Core.Telemetry;
using Resso.Shared.Configuration;
using Resso.Shared.Telemetry;

namespace Resso.Functions.SelfHost;

/// <summary>
/// The self-host's telemetry: exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
/// exporter's other <c>OTEL_*</c> settings apply), otherwise nothing at all is registered, so no
/// listener makes the app build spans or aggregate measurements.
/// </summary>
public static class SelfHostTelemetry
{
    /// <summary>The setting that turns exporting on.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The service name unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string DefaultServiceName = "resso-selfhost";

    /// <summary>Adds traces, metrics and logs with the OTLP exporter when <see cref="OtlpEndpointSetting"/> is set.</summary>
    /// <exception cref="RessoConfigurationException">The endpoint is not an absolute http(s) URI.</exception>
    public static WebApplicationBuilder AddSelfHostTelemetry(this WebApplicationBuilder builder)
    {
        if (builder.Configuration[OtlpEndpointSetting] is not { Length: > 0 } endpoint)
        {
            return builder;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new RessoConfigurationException(OtlpEndpointSetting, "must be an absolute http(s) URI, e.g. http://127.0.0.1:4317.");
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName, serviceVersion: RessoTelemetry.Version))
            .AddRessoInstrumentation()
            .WithLogging()
            .UseOtlpExporter();
        return builder;
    }
}
