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
/// version that cannot be read (or a pointer that cannot) is refused and logged, and
/// <see cref="Status"/> says so: the last good model keeps serving, or, when there is none in
/// memory (a fresh instance), the newest readable published version in storage.
/// </summary>
public sealed class ModelRefresher(
    ModelStore store,
    ModelHolder holder,
    SongCatalog catalog,
    StorageProvisioner provisioner,
    StorageHealthProbe probe,
    IOptions<RecommenderOptions> options,
    TimeProvider timeProvider,
    ILogger<ModelRefresher> logger) : BackgroundService
{
    /// <summary>How many of the newest stored versions' manifests a fallback reads at most, looking for published ones.</summary>
    public const int FallbackManifests = 20;

    /// <summary>How many published versions a fallback tries to load at most.</summary>
    public const int FallbackLoads = 3;

    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(2);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private ETag? _seen;
    private ModelServingStatus _status = ModelServingStatus.NotChecked;

    /// <summary>What this instance serves against what is published, as of the last check.</summary>
    public ModelServingStatus Status => Volatile.Read(ref _status);

    /// <summary>Checks the pointer now (after a local publish, or in tests) and loads a new version if there is one.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var etag = await store.GetCurrentETagAsync(cancellationToken);
            if (etag is null)
            {
                SetStatus(new ModelServingStatus(true, null, holder.Current?.Version, null));
                return;
            }

            if (etag == _seen)
            {
                return;
            }

            string? version = null;
            try
            {
                string? reason;
                try
                {
                    if (await store.GetCurrentAsync(cancellationToken) is not { } current)
                    {
                        return;
                    }

                    (version, etag) = (current.Pointer.Version, current.ETag);
                    // The same version again is loaded again only if its factors changed (a user erased from it).
                    reason = holder.Current is { } served && version == served.Version
                        && (await store.GetManifestAsync(version, cancellationToken)).FactorsSha256 == served.Manifest.FactorsSha256
                        ? null
                        : await LoadAsync(version, cancellationToken);
                }
                catch (InvalidDataException ex)
                {
                    Log.CurrentPointerUnreadable(logger, ex, holder.Current?.Version ?? "none");
                    reason = ModelServingStatus.PointerUnreadable(ex);
                }

                if (reason is not null && holder.Current is null)
                {
                    await FallBackAsync(version, reason, cancellationToken);
                }

                // Looked at for good: an unreadable version is not read again until the pointer changes.
                _seen = etag;
                SetStatus(new ModelServingStatus(true, version, holder.Current?.Version, reason));
            }
            catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
            {
                // Storage, not the model: the pointer stays unseen, so the next poll tries again.
                Log.ModelLoadDeferred(logger, ex, version ?? "current");
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
                // While storage is unreachable the probe says so once; the failures themselves are Debug.
                if (await probe.IsOutageAsync(ex, stoppingToken))
                {
                    Log.ModelPollDeferred(logger, ex);
                }
                else
                {
                    Log.ModelPollFailed(logger, ex);
                }
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

    // Loads and serves the version: null when it serves, else why it cannot (the version is unreadable).
    private async Task<string?> LoadAsync(string version, CancellationToken cancellationToken)
    {
        try
        {
            await LoadAndSwapAsync(await store.GetManifestAsync(version, cancellationToken), cancellationToken);
            return null;
        }
        catch (InvalidDataException ex)
        {
            Log.ModelRefused(logger, ex, version, holder.Current?.Version ?? "none");
            return ModelServingStatus.ModelUnreadable(version, ex);
        }
    }

    // With nothing in memory, the newest published version that loads beats no model at all (every
    // listener on trending). Versions published after the unreadable one cannot exist when the
    // pointer names it, so only older ones are tried; with no readable pointer, any.
    private async Task FallBackAsync(string? unreadable, string reason, CancellationToken cancellationToken)
    {
        var tried = 0;
        await foreach (var manifest in store.GetPublishedAsync(unreadable, FallbackManifests, cancellationToken))
        {
            if (++tried > FallbackLoads)
            {
                break;
            }

            try
            {
                await LoadAndSwapAsync(manifest, cancellationToken);
                Log.ServingFallback(logger, manifest.Version, reason);
                return;
            }
            catch (InvalidDataException ex)
            {
                Log.ModelRefused(logger, ex, manifest.Version, "none");
            }
        }

        Log.NoFallback(logger, Math.Min(tried, FallbackLoads), reason);
    }

    private async Task LoadAndSwapAsync(ModelManifest manifest, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(LoadTimeout);
        var factors = options.Value.MapItemFactors
            ? await store.LoadMappedFactorsAsync(manifest, Path.GetTempPath(), timeout.Token)
            : await store.LoadFactorsAsync(manifest, timeout.Token);
        var pipeline = await store.LoadPipelineAsync(manifest, factors, timeout.Token);
        var restrictions = await catalog.ReadRegionRestrictionsAsync(timeout.Token);
        var previous = holder.Current?.Version;
        holder.Swap(new ServingModel(manifest, factors, restrictions, timeProvider.GetUtcNow(), pipeline));
        Log.ModelSwapped(logger, manifest.Version, previous ?? "none", factors.UserCount, factors.ItemCount);
    }

    private void SetStatus(ModelServingStatus status) => Volatile.Write(ref _status, status);
}
