using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Resso.Shared.Storage;

/// <summary>
/// Creates every table, queue and container of <see cref="StorageNames"/> when the host starts.
/// If storage is unreachable the host still starts (health says so) and creation is retried until
/// it succeeds; work that needs storage waits on <see cref="WaitUntilReadyAsync"/>. While storage is
/// unreachable, the probe tells the outage (one line per service) and creation is retried every
/// <see cref="StorageHealthProbe.RetryInterval"/>, logged at Debug only; any other failure is logged
/// as an error and retried with a growing delay.
/// </summary>
public sealed class StorageProvisioner(
    StorageNames names,
    TableServiceClient tables,
    QueueServiceClient queues,
    BlobServiceClient blobs,
    StorageHealthProbe probe,
    TimeProvider timeProvider,
    ILogger<StorageProvisioner> logger) : BackgroundService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once every resource exists.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>Completes when every resource exists.</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) =>
        _ready.Task.WaitAsync(cancellationToken);

    /// <summary>Creates whatever is missing; safe to call concurrently and repeatedly.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        var work = new List<Task>();
        work.AddRange(names.Tables.Select(t => (Task)tables.CreateTableIfNotExistsAsync(t, cancellationToken)));
        work.AddRange(names.Queues.Select(q => (Task)queues.GetQueueClient(q).CreateIfNotExistsAsync(cancellationToken: cancellationToken)));
        work.AddRange(names.Containers.Select(c => (Task)blobs.GetBlobContainerClient(c).CreateIfNotExistsAsync(cancellationToken: cancellationToken)));
        await Task.WhenAll(work);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureCreatedAsync(stoppingToken);
                Log.StorageProvisioned(logger, names.Tables.Count, names.Queues.Count, names.Containers.Count);
                _ready.TrySetResult();
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (await probe.IsOutageAsync(ex, stoppingToken))
                {
                    Log.StorageProvisioningDeferred(logger, ex, StorageHealthProbe.RetryInterval.TotalSeconds);
                    await Task.Delay(StorageHealthProbe.RetryInterval, timeProvider, stoppingToken);
                    continue;
                }

                Log.StorageProvisioningFailed(logger, ex, delay.TotalSeconds);
                await Task.Delay(delay, timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }
}
