using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Resso.Functions.Core;
using Resso.Shared.Storage;

namespace Resso.Functions.SelfHost;

/// <summary>Once the server listens, says where, and whether storage answers, so a developer sees both at a glance.</summary>
internal sealed class StartupReport(
    IServer server,
    IHostApplicationLifetime lifetime,
    IHostEnvironment environment,
    StorageConnection storage,
    StorageHealthProbe probe,
    ILogger<StartupReport> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(started.SetResult))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        var urls = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Log.Listening(logger, string.Join(", ", urls), environment.EnvironmentName, $"{urls.FirstOrDefault()}{RessoApi.RoutePrefix}/health");

        var health = await probe.CheckAsync(stoppingToken);
        Log.StorageStatus(logger, storage.Description, Describe(health.Tables), Describe(health.Queues), Describe(health.Blobs));

        static string Describe(ServiceHealth service) => service.Reachable ? "reachable" : $"UNREACHABLE ({service.Error})";
    }
}
