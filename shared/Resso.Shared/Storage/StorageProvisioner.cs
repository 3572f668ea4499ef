using Azure;
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
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) => CreateMissingAsync(cancellationToken);

    /// <summary>
    /// Creates every table, queue and container of <see cref="StorageNames"/> that does not exist, and
    /// returns the names of those it created (none when all existed). Safe to call concurrently and
    /// repeatedly; one that is being deleted (<c>TableBeingDeleted</c>, <c>QueueBeingDeleted</c>,
    /// <c>ContainerBeingDeleted</c>: minutes on Azure after a deletion) fails the call, to be tried again.
    /// </summary>
    public async Task<IReadOnlyList<string>> CreateMissingAsync(CancellationToken cancellationToken = default)
    {
        var work = new List<Task<string?>>();
        work.AddRange(names.Tables.Select(t => CreateTableAsync(t, cancellationToken)));
        work.AddRange(names.Queues.Select(q => CreateQueueAsync(q, cancellationToken)));
        work.AddRange(names.Containers.Select(c => CreateContainerAsync(c, cancellationToken)));
        return [.. (await Task.WhenAll(work)).OfType<string>()];
    }

    // Each returns the name when it created the resource, null when it existed.
    private async Task<string?> CreateTableAsync(string table, CancellationToken cancellationToken)
    {
        try
        {
            await tables.CreateTableAsync(table, cancellationToken);
            return table;
        }
        catch (RequestFailedException ex) when (ex.Status == 409 && ex.ErrorCode == "TableAlreadyExists")
        {
            return null;
        }
    }

    private async Task<string?> CreateQueueAsync(string queue, CancellationToken cancellationToken)
    {
        // Creating a queue that exists (with the same metadata) is not an error: 204 instead of 201.
        var response = await queues.GetQueueClient(queue).CreateAsync(cancellationToken: cancellationToken);
        return response.Status == 201 ? queue : null;
    }

    private async Task<string?> CreateContainerAsync(string container, CancellationToken cancellationToken)
    {
        try
        {
            await blobs.GetBlobContainerClient(container).CreateAsync(cancellationToken: cancellationToken);
            return container;
        }
        catch (RequestFailedException ex) when (ex.Status == 409 && ex.ErrorCode == "ContainerAlreadyExists")
        {
            return null;
        }
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
