using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using Resso.Functions.Core.Telemetry;

namespace Resso.Functions;

/// <summary>The worker's telemetry: OpenTelemetry traces, metrics and logs, exported to Application Insights (and/or OTLP) when configured.</summary>
public static class WorkerTelemetry
{
    /// <summary>Set by Azure (infra/main.bicep) to the Application Insights component's connection string.</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary><c>Authorization=AAD</c> (with <c>ClientId=…</c> for a user-assigned identity): send with an Entra token, as the Functions host does.</summary>
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>An OTLP endpoint to export to as well (e.g. a collector beside the app).</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Adds OpenTelemetry with the Functions worker's defaults (invocation spans correlated with the
    /// host's, under host.json's <c>"telemetryMode": "OpenTelemetry"</c>) and the app's instrumentation.
    /// Exports to Azure Monitor when <see cref="ConnectionStringSetting"/> is set, over OTLP when
    /// <see cref="OtlpEndpointSetting"/> is set; with neither, collects for in-process readers only.
    /// </summary>
    public static FunctionsApplicationBuilder AddRessoWorkerTelemetry(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var otel = builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .AddRessoInstrumentation()
            .WithLogging();
        if (builder.Configuration[ConnectionStringSetting] is { Length: > 0 } connectionString)
        {
            var credential = CredentialOf(builder.Configuration[AuthenticationStringSetting]);
            otel.UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = connectionString;
                if (credential is not null)
                {
                    o.Credential = credential;
                }
            });
        }

        if (builder.Configuration[OtlpEndpointSetting] is { Length: > 0 })
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// The identity named by an authentication string: <c>Authorization=AAD</c> with <c>ClientId=…</c> is
    /// that user-assigned managed identity, without it the system-assigned one; anything else, none
    /// (the connection string's instrumentation key is used).
    /// </summary>
    public static TokenCredential? CredentialOf(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(static p => p.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(static p => p.Length == 2)
            .ToDictionary(static p => p[0], static p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var authorization) || !string.Equals(authorization, "AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
