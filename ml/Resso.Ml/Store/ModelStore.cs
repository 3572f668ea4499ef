using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Resso.Ml.Model;
using Resso.Ml.Ranking;
using Resso.Shared.Storage;

namespace Resso.Ml.Store;

/// <summary>
/// Versioned models in the <c>models</c> container: <c>{version}/factors.bin</c> (the extracted
/// factors, checksummed), <c>{version}/model.zip</c> (the ML.NET model, when there is one) and
/// <c>{version}/manifest.json</c>, written last so that a version with a manifest is complete;
/// <c>current.json</c> names the published version and <c>last-decision.json</c> repeats the newest
/// candidate's manifest, published or not.
/// </summary>
public sealed class ModelStore(BlobServiceClient blobs, StorageNames names, TimeProvider timeProvider)
{
    private const string CurrentBlob = "current.json";
    private const string LastDecisionBlob = "last-decision.json";
    private const string LockBlob = "training.lock";

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(names.ModelsContainer);

    /// <summary>A new version name: UTC time of day to the second, then a random suffix; sorts by time.</summary>
    public string NewVersion() =>
        string.Create(CultureInfo.InvariantCulture, $"{timeProvider.GetUtcNow().UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{RandomNumberGenerator.GetHexString(4, lowercase: true)}");

    /// <summary>Writes a version: factors, the ranking pipeline and the ML.NET model if any, then the manifest; and the last-decision copy.</summary>
    public async Task SaveAsync(ModelManifest manifest, byte[] factors, byte[]? mlNetModel, byte[]? pipeline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if ((pipeline is null) != (manifest.PipelineSha256 is null))
        {
            throw new ArgumentException("A pipeline blob and its manifest checksum come together.", nameof(pipeline));
        }

        await UploadAsync($"{manifest.Version}/factors.bin", factors, "application/octet-stream", cancellationToken);
        if (pipeline is not null)
        {
            await UploadAsync($"{manifest.Version}/pipeline.bin", pipeline, "application/octet-stream", cancellationToken);
        }

        if (mlNetModel is not null)
        {
            await UploadAsync($"{manifest.Version}/model.zip", mlNetModel, "application/zip", cancellationToken);
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(manifest, ModelStoreJsonContext.Default.ModelManifest);
        await UploadAsync($"{manifest.Version}/manifest.json", json, "application/json", cancellationToken);
        await UploadAsync(LastDecisionBlob, json, "application/json", cancellationToken);
    }

    /// <summary>Points <c>current</c> at <paramref name="version"/>.</summary>
    public Task PublishAsync(string version, CancellationToken cancellationToken = default) =>
        UploadAsync(CurrentBlob, JsonSerializer.SerializeToUtf8Bytes(new CurrentPointer(version, timeProvider.GetUtcNow()), ModelStoreJsonContext.Default.CurrentPointer), "application/json", cancellationToken);

    /// <summary>The <c>current</c> pointer's ETag, or null when nothing is published; one cheap request.</summary>
    public async Task<ETag?> GetCurrentETagAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return (await _container.GetBlobClient(CurrentBlob).GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The published version and the pointer's ETag, or null when nothing is published.</summary>
    /// <exception cref="InvalidDataException"><c>current.json</c> exists but is not a pointer.</exception>
    public async Task<(CurrentPointer Pointer, ETag ETag)?> GetCurrentAsync(CancellationToken cancellationToken = default) =>
        await ReadJsonAsync(CurrentBlob, ModelStoreJsonContext.Default.CurrentPointer, "pointer", cancellationToken) switch
        {
            null => null,
            ({ Version.Length: > 0 } pointer, var etag) => (pointer, etag),
            _ => throw new InvalidDataException($"{CurrentBlob} names no version."),
        };

    /// <summary>
    /// The manifests of versions that were published (their decision says so), newest first, older
    /// than <paramref name="olderThan"/> when given: where serving turns when the published model
    /// cannot be loaded. Reads at most <paramref name="maxManifests"/> manifests; unreadable ones are skipped.
    /// </summary>
    public async IAsyncEnumerable<ModelManifest> GetPublishedAsync(string? olderThan, int maxManifests, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Versions sort by time; refused candidates are listed too and skipped by their manifest.
        var versions = new List<string>();
        await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix: null, cancellationToken))
        {
            if (item.IsPrefix && item.Prefix.TrimEnd('/') is var version && (olderThan is null || string.CompareOrdinal(version, olderThan) < 0))
            {
                versions.Add(version);
            }
        }

        versions.Sort(static (a, b) => string.CompareOrdinal(b, a));
        foreach (var version in versions.Take(maxManifests))
        {
            ModelManifest manifest;
            try
            {
                manifest = await GetManifestAsync(version, cancellationToken);
            }
            catch (InvalidDataException)
            {
                continue;
            }

            if (manifest.Decision.Published)
            {
                yield return manifest;
            }
        }
    }

    /// <summary>
    /// A page of the stored versions, newest first, published or refused: the manifests of at most
    /// <paramref name="count"/> versions older than <paramref name="before"/> (all when null). A
    /// version whose manifest is not yet written (a training still saving it) is not listed; one
    /// whose manifest cannot be read is counted in <see cref="ModelVersionsPage.Unreadable"/>, so a
    /// page may hold fewer manifests than <paramref name="count"/>.
    /// </summary>
    /// <remarks>
    /// Blob listings are in ascending order only: every version's name is listed (one prefix each,
    /// thousands per request), and only the page's manifests are read.
    /// </remarks>
    public async Task<ModelVersionsPage> GetVersionsAsync(string? before, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var versions = new List<string>();
        await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix: null, cancellationToken))
        {
            if (item.IsPrefix && item.Prefix.TrimEnd('/') is var version && (before is null || string.CompareOrdinal(version, before) < 0))
            {
                versions.Add(version);
            }
        }

        versions.Sort(static (a, b) => string.CompareOrdinal(b, a));
        var page = versions.Take(count).ToList();
        var read = await Task.WhenAll(page.Select(async version =>
        {
            try
            {
                return (Manifest: await TryReadManifestAsync($"{version}/manifest.json", cancellationToken), Unreadable: false);
            }
            catch (InvalidDataException)
            {
                return (Manifest: null, Unreadable: true);
            }
        }));

        return new ModelVersionsPage(
            [.. read.Where(static r => r.Manifest is not null).Select(static r => r.Manifest!)],
            read.Count(static r => r.Unreadable),
            versions.Count > count ? page[^1] : null);
    }

    /// <summary>The manifest of <paramref name="version"/>.</summary>
    /// <exception cref="InvalidDataException">It is missing or unreadable.</exception>
    public async Task<ModelManifest> GetManifestAsync(string version, CancellationToken cancellationToken = default) =>
        await TryReadManifestAsync($"{version}/manifest.json", cancellationToken)
            ?? throw new InvalidDataException($"{version}/manifest.json cannot be read (404).");

    /// <summary>The newest candidate's manifest, published or not; null before the first training.</summary>
    /// <exception cref="InvalidDataException">It exists but is unreadable.</exception>
    public Task<ModelManifest?> GetLastDecisionAsync(CancellationToken cancellationToken = default) =>
        TryReadManifestAsync(LastDecisionBlob, cancellationToken);

    /// <summary>Loads the factors of a version, refusing them unless they match the manifest's checksum and the format's own.</summary>
    /// <exception cref="InvalidDataException">The blob is missing, truncated, corrupt, or not the one the manifest names.</exception>
    public async Task<FactorModel> LoadFactorsAsync(ModelManifest manifest, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = (await _container.GetBlobClient($"{manifest.Version}/factors.bin").DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidDataException($"Model {manifest.Version} has no factors blob.", ex);
        }

        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), manifest.FactorsSha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Model {manifest.Version}: the factors blob does not match the manifest's checksum.");
        }

        return FactorModelSerializer.FromBytes(bytes);
    }

    /// <summary>
    /// <see cref="LoadFactorsAsync"/>, but with the item factors left in a local file and read in place
    /// (<see cref="FactorModelSerializer.LoadMapped(string)"/>): the blob is downloaded to a delete-on-close file in
    /// <paramref name="directory"/>, checked, and memory-mapped. The file goes when the model does.
    /// </summary>
    /// <exception cref="InvalidDataException">The blob is missing, truncated, corrupt, or not the one the manifest names.</exception>
    /// <exception cref="IOException">The local file cannot be written.</exception>
    public async Task<FactorModel> LoadMappedFactorsAsync(ModelManifest manifest, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var path = Path.Combine(directory, $"resso-factors-{Guid.NewGuid():N}.bin");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 81920, FileOptions.DeleteOnClose);
        try
        {
            try
            {
                await _container.GetBlobClient($"{manifest.Version}/factors.bin").DownloadToAsync(file, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                throw new InvalidDataException($"Model {manifest.Version} has no factors blob.", ex);
            }

            file.Position = 0;
            var hash = await SHA256.HashDataAsync(file, cancellationToken);
            if (!string.Equals(Convert.ToHexStringLower(hash), manifest.FactorsSha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"Model {manifest.Version}: the factors blob does not match the manifest's checksum.");
            }
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }

        return FactorModelSerializer.Map(file);
    }

    /// <summary>Loads the ranking pipeline of a version over its factors; null when the version has none.</summary>
    /// <exception cref="InvalidDataException">The blob is missing, corrupt, or not the one the manifest names.</exception>
    public async Task<PipelineModel?> LoadPipelineAsync(ModelManifest manifest, FactorModel factors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.PipelineSha256 is null)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = (await _container.GetBlobClient($"{manifest.Version}/pipeline.bin").DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidDataException($"Model {manifest.Version} has no pipeline blob.", ex);
        }

        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), manifest.PipelineSha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Model {manifest.Version}: the pipeline blob does not match the manifest's checksum.");
        }

        return PipelineSerializer.FromBytes(bytes, factors);
    }

    /// <summary>
    /// Removes <paramref name="userId"/> from every stored version: a version whose factors hold the
    /// user gets factors without the user's id, vector and bias (<see cref="FactorModel.WithoutUser"/>)
    /// and a manifest with their checksum, and loses its ML.NET model (<c>model.zip</c>, which holds the
    /// same vectors by index and which serving never reads). If the published version is one of them,
    /// <c>current.json</c> is written again, unchanged, so that every instance loads the new factors at
    /// its next poll. Returns the versions changed. Reads each version's factors once: the cost grows
    /// with the number of versions kept.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var versions = new List<string>();
        await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix: null, cancellationToken))
        {
            if (item.IsPrefix)
            {
                versions.Add(item.Prefix.TrimEnd('/'));
            }
        }

        var changed = new List<string>();
        foreach (var version in versions)
        {
            if (await TryReadManifestAsync($"{version}/manifest.json", cancellationToken) is not { } manifest)
            {
                continue;
            }

            byte[] bytes;
            try
            {
                bytes = (await _container.GetBlobClient($"{version}/factors.bin").DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                continue;
            }

            var factors = FactorModelSerializer.FromBytes(bytes);
            if (!factors.Users.TryGetIndex(userId, out var user))
            {
                continue;
            }

            var scrubbed = FactorModelSerializer.ToBytes(factors.WithoutUser(user));
            var updated = manifest with { FactorsSha256 = Convert.ToHexStringLower(SHA256.HashData(scrubbed)) };
            await UploadAsync($"{version}/factors.bin", scrubbed, "application/octet-stream", cancellationToken);
            await _container.DeleteBlobIfExistsAsync($"{version}/model.zip", cancellationToken: cancellationToken);
            var json = JsonSerializer.SerializeToUtf8Bytes(updated, ModelStoreJsonContext.Default.ModelManifest);
            await UploadAsync($"{version}/manifest.json", json, "application/json", cancellationToken);
            if ((await GetLastDecisionAsync(cancellationToken))?.Version == version)
            {
                await UploadAsync(LastDecisionBlob, json, "application/json", cancellationToken);
            }

            changed.Add(version);
        }

        if (await GetCurrentAsync(cancellationToken) is { } current && changed.Contains(current.Pointer.Version))
        {
            await UploadAsync(CurrentBlob, JsonSerializer.SerializeToUtf8Bytes(current.Pointer, ModelStoreJsonContext.Default.CurrentPointer), "application/json", cancellationToken);
        }

        return changed;
    }

    /// <summary>
    /// Takes the training lease so that one instance trains at a time; null when another holds it.
    /// Dispose the returned lease to release it; it renews itself while held.
    /// </summary>
    public async Task<TrainingLease?> TryAcquireTrainingLeaseAsync(CancellationToken cancellationToken = default)
    {
        var blob = _container.GetBlobClient(LockBlob);
        try
        {
            await blob.UploadAsync(BinaryData.FromString(""), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // It exists already (and may be leased).
        }

        var lease = blob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(TrainingLease.Duration, cancellationToken: cancellationToken);
            return new TrainingLease(lease, timeProvider);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    private async Task UploadAsync(string name, byte[] content, string contentType, CancellationToken cancellationToken) =>
        await _container.GetBlobClient(name).UploadAsync(
            new BinaryData(content),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } },
            cancellationToken);

    // A manifest, or null when the blob does not exist.
    private async Task<ModelManifest?> TryReadManifestAsync(string name, CancellationToken cancellationToken)
    {
        if (await ReadJsonAsync(name, ModelStoreJsonContext.Default.ModelManifest, "manifest", cancellationToken) is not { } read)
        {
            return null;
        }

        // Valid JSON is not yet a manifest: what serving and the API rely on must be there.
        return read.Value is { Version.Length: > 0, Decision: not null, Data: not null, Metrics: not null, FactorsSha256.Length: > 0 } manifest
            ? manifest
            : throw new InvalidDataException($"{name} is not a valid manifest.");
    }

    // A JSON blob and its ETag, or null when the blob does not exist. Content that is not JSON of the
    // kind is unreadable (InvalidDataException); any other failure is storage's and passes as it is, to be tried again.
    private async Task<(T? Value, ETag ETag)?> ReadJsonAsync<T>(string name, JsonTypeInfo<T> type, string kind, CancellationToken cancellationToken)
    {
        Response<BlobDownloadResult> content;
        try
        {
            content = await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        try
        {
            return (JsonSerializer.Deserialize(content.Value.Content.ToMemory().Span, type), content.Value.Details.ETag);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{name} is not a valid {kind}.", ex);
        }
    }
}

/// <summary>A page of <see cref="ModelStore.GetVersionsAsync"/>.</summary>
/// <param name="Manifests">The readable manifests, newest first.</param>
/// <param name="Unreadable">Versions on the page whose manifest cannot be read.</param>
/// <param name="Next">The oldest version on the page when older ones exist (the next page's <c>before</c>); otherwise null.</param>
public sealed record ModelVersionsPage(IReadOnlyList<ModelManifest> Manifests, int Unreadable, string? Next);

/// <summary>The held training lease; renews itself every 20 s until disposed.</summary>
public sealed class TrainingLease : IAsyncDisposable
{
    /// <summary>The lease's duration; it lapses this long after a holder dies.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);

    private readonly BlobLeaseClient _lease;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;

    internal TrainingLease(BlobLeaseClient lease, TimeProvider timeProvider)
    {
        _lease = lease;
        _renewing = RenewAsync(timeProvider, _stop.Token);
    }

    private async Task RenewAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(20), timeProvider, cancellationToken);
                await _lease.RenewAsync(cancellationToken: cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException)
        {
            // Lost: another instance may train too, which costs work but not correctness.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        _stop.Dispose();
        try
        {
            await _lease.ReleaseAsync();
        }
        catch (RequestFailedException)
        {
        }
    }
}
