using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// The published compact catalog: one blob (<c>{prefix}catalog/snapshot</c>) that the catalog
/// roll-up replaces, its sequence and scan start in its metadata; instances watch its ETag.
/// </summary>
public sealed class CatalogSnapshotStore(BlobServiceClient blobs, StorageNames names, SongCatalog catalog, TimeProvider timeProvider)
{
    /// <summary>The blob's name in the catalog container.</summary>
    public const string BlobName = "snapshot";

    private const string SequenceKey = "sequence", ChangesSinceKey = "changessince";

    private readonly BlobClient _blob = blobs.GetBlobContainerClient(names.CatalogContainer).GetBlobClient(BlobName);

    /// <summary>The published snapshot's ETag, or null when none is published.</summary>
    public async Task<ETag?> GetETagAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return (await _blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Scans the catalog table and publishes what ranking needs of every song as a new snapshot.
    /// With <paramref name="onlyIfNone"/>, publishes only when none is published yet (the first
    /// instance to start on empty storage), and returns false when another was first.
    /// </summary>
    /// <returns>True when this one was published.</returns>
    public Task<bool> PublishAsync(bool onlyIfNone = false, CancellationToken cancellationToken = default) =>
        PublishAsync(catalog.ReadDetailsAsync(cancellationToken), onlyIfNone, cancellationToken);

    /// <summary>Publishes the songs given (each once; details null for a placeholder) as a new snapshot, as <see cref="PublishAsync(bool, CancellationToken)"/> does with the catalog table's.</summary>
    /// <returns>True when this one was published.</returns>
    public async Task<bool> PublishAsync(IAsyncEnumerable<(string SongId, SongDetails? Details)> songs, bool onlyIfNone = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(songs);
        var previous = await GetSequenceAsync(cancellationToken);
        if (onlyIfNone && previous is not null)
        {
            return false;
        }

        // Changes recorded from the start of the scan on may be missing from it: instances read those from the changes table.
        var scanStarted = timeProvider.GetUtcNow();
        var writer = new CompactCatalogWriter();
        await foreach (var (songId, details) in songs.WithCancellation(cancellationToken))
        {
            writer.Add(songId, details);
        }

        var sequence = (previous ?? 0) + 1;
        var path = Path.Combine(Path.GetTempPath(), $"resso-catalog-{Guid.NewGuid():N}.bin");
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        writer.WriteTo(file, sequence, scanStarted);
        file.Position = 0;
        try
        {
            await _blob.UploadAsync(file, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
                Metadata = new Dictionary<string, string>
                {
                    [SequenceKey] = sequence.ToString(CultureInfo.InvariantCulture),
                    [ChangesSinceKey] = scanStarted.UtcTicks.ToString(CultureInfo.InvariantCulture),
                },
                Conditions = onlyIfNone ? new BlobRequestConditions { IfNoneMatch = ETag.All } : null,
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (onlyIfNone && ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Downloads the published snapshot to a temporary file and maps it (the file goes when the catalog is disposed); null when none is published.</summary>
    public async Task<(CompactCatalog Catalog, ETag ETag)?> DownloadAsync(CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Path.GetTempPath(), $"resso-catalog-{Guid.NewGuid():N}.bin");
        ETag etag;
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            var response = await _blob.DownloadStreamingAsync(cancellationToken: cancellationToken);
            using var download = response.Value;
            etag = download.Details.ETag;
            await download.Content.CopyToAsync(file, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            File.Delete(path);
            return null;
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return (CompactCatalog.Open(path, deleteOnClose: true), etag);
    }

    private async Task<long?> GetSequenceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var properties = (await _blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return properties.Metadata.TryGetValue(SequenceKey, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : 0;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
