using Azure.Storage.Queues;
using Resso.Functions.Core.Hosting;
using Resso.Functions.SelfHost.Configuration;
using Resso.Shared.Storage;
using Resso.Shared.Telemetry;

namespace Resso.Functions.SelfHost.Queues;

/// <summary>Runs one <see cref="QueueListener"/> per registered <see cref="IQueueHandler"/> once storage is ready.</summary>
internal sealed class QueueListenerService(
    IEnumerable<IQueueHandler> handlers,
    QueueServiceClient queues,
    StorageProvisioner provisioner,
    StorageHealthProbe probe,
    QueuesHostOptions options,
    RessoMetrics metrics,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await provisioner.WaitUntilReadyAsync(stoppingToken);
        var logger = loggerFactory.CreateLogger<QueueListener>();
        await Task.WhenAll(handlers.Select(handler =>
            new QueueListener(
                queues.GetQueueClient(handler.QueueName),
                queues.GetQueueClient(handler.QueueName + StorageNames.PoisonSuffix),
                handler,
                options,
                metrics,
                timeProvider,
                logger,
                probe: probe).RunAsync(stoppingToken)));
    }
}
