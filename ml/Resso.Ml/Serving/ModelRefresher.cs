using Azure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Ml.Pipeline;
using Resso.Ml.Store;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Ml.Serving;

/// <summary>
/// Keeps this instance serving the published model: checks the <c>current</c> pointer's ETag every
/// <see cref="RecommenderOptions.ModelPollInterval"/>, loads a new version completely (manifest,
/// factors verified against two checksums, region availability) and only then swaps it in. A
/// version that cannot be loaded is refused and logged; the last good model keeps serving.
/// </summary>
public sealed class ModelRefresher(
    ModelStore store,
    ModelHolder holder,
    SongCatalog catalog,
    StorageProvisioner provisioner,
    IOptions<RecommenderOptions> options,
    TimeProvider timeProvider,
    ILogger<ModelRefresher> logger) : BackgroundService
{
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(2);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private ETag? _seen;

    /// <summary>Checks the pointer now (after a local publish, or in tests) and loads a new version if there is one.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var etag = await store.GetCurrentETagAsync(cancellationToken);
            if (etag is null || etag == _seen)
            {
                return;
            }

            var current = await store.GetCurrentAsync(cancellationToken);
            if (current is not { } pointer)
            {
                return;
            }

            _seen = pointer.ETag;
            if (pointer.Pointer.Version == holder.Current?.Version)
            {
                return;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(LoadTimeout);
            try
            {
                var manifest = await store.GetManifestAsync(pointer.Pointer.Version, timeout.Token);
                var factors = await store.LoadFactorsAsync(manifest, timeout.Token);
                var restrictions = await catalog.ReadRegionRestrictionsAsync(timeout.Token);
                var previous = holder.Current?.Version;
                holder.Swap(new ServingModel(manifest, factors, restrictions, timeProvider.GetUtcNow()));
                Log.ModelSwapped(logger, manifest.Version, previous ?? "none", factors.UserCount, factors.ItemCount);
            }
            catch (Exception ex) when (ex is InvalidDataException or RequestFailedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Log.ModelRefused(logger, ex, pointer.Pointer.Version, holder.Current?.Version ?? "none");
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await provisioner.WaitUntilReadyAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.ModelPollFailed(logger, ex);
            }

            await Task.Delay(options.Value.ModelPollInterval, timeProvider, stoppingToken);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _refreshing.Dispose();
        base.Dispose();
    }
}
