using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Resso.Functions.Worker.Tests.Harness;
using Resso.Shared.Storage;
using Resso.Shared.Telemetry;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests;

// OpenTelemetry listens to meters by name, process-wide: alone, so that the figures are this test's.
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>The worker composed as Program.cs composes it, its telemetry read by an in-memory exporter.</summary>
[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task PostEvents_InTheComposedWorker_ExportsEventsAccepted()
    {
        var metrics = new Exported<MetricSnapshot>();
        var prefix = AzuriteFixture.UniqueName("w");
        var builder = FunctionsApplication.CreateBuilder([]);
        var sample = WorkerHost.SampleSettings();
        // Outside Development the sample's development keys are refused, and listener tokens need a
        // key source of their own: removed (a null value would still bind, as an empty secret).
        sample.Remove("Resso:Links:Keys:dev");
        foreach (var auth in sample.Keys.Where(k => k.StartsWith("Resso:Auth:", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            sample.Remove(auth);
        }
        builder.Configuration.AddInMemoryCollection(sample);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Resso:Storage:Prefix"] = prefix,
            ["Resso:Storage:SongUsedQueue"] = new StorageNames(prefix).SongUsedQueue,
            ["Resso:Storage:ModelRetrainQueue"] = new StorageNames(prefix).ModelRetrainQueue,
            // Outside Development the sample's public keys are refused, as in Azure.
            ["Resso:Api:Keys"] = "worker-telemetry-test-key",
            ["Resso:Links:SigningKeyId"] = "test",
            ["Resso:Links:Keys:test"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });

        RessoWorker.Configure(builder);
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics, r => r.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000));
        using var host = builder.Build();
        var meters = host.Services.GetRequiredService<MeterProvider>();
        await host.Services.GetRequiredService<StorageProvisioner>().EnsureCreatedAsync(TestContext.Current.CancellationToken);

        // The worker activates a function class from its container, as here, and hands it the request.
        var functions = ActivatorUtilities.CreateInstance<EventFunctions>(host.Services);
        await using var scope = host.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var events = Enumerable.Range(0, 3).Select(static i => Events.Valid(userId: $"u_worker{i}")).ToList();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { events }, JsonSerializerOptions.Web)));
        context.Response.Body = new MemoryStream();
        var result = await functions.PostEvents(context.Request);
        await result.ExecuteAsync(context);
        Assert.Equal(StatusCodes.Status202Accepted, context.Response.StatusCode);

        meters.ForceFlush(10_000);
        var accepted = metrics.Snapshot().Last(m => m.MeterName == RessoTelemetry.Name && m.Name == RessoTelemetry.Instruments.EventsAccepted);
        Assert.Equal(3, accepted.MetricPoints.Sum(p => p.GetSumLong()));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("InstrumentationKey=x", null)]
    [InlineData("Authorization=AAD", typeof(ManagedIdentityCredential))]
    [InlineData("ClientId=00000000-0000-0000-0000-000000000001;Authorization=AAD", typeof(ManagedIdentityCredential))]
    public void CredentialOf_AuthenticationString_IsTheManagedIdentityOnlyForAad(string? authenticationString, Type? expected) =>
        Assert.Equal(expected, WorkerTelemetry.CredentialOf(authenticationString)?.GetType());
}
