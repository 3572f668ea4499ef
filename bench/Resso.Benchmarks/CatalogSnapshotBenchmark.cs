using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Resso.Functions.Core.Listeners;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Benchmarks;

/// <summary>
/// Publishes a compact catalog snapshot of <c>songs</c> songs through the product's own writer and
/// store: every song of the catalog table (with its details), then generated songs up to the
/// count, so that instances rank with a catalog of that size while full table rows exist only for
/// the songs the model serves. Writing millions of rows into Azurite would take hours.
/// </summary>
internal static class CatalogSnapshotBenchmark
{
    // Artists and labels as a large catalog has them: about one artist per ten songs, a few thousand labels.
    private const int Labels = 5_000;

    public static async Task<int> PublishAsync(string connectionString, string prefix, int songs)
    {
        var names = new StorageNames(prefix);
        var tables = new TableServiceClient(connectionString);
        var blobs = new BlobServiceClient(connectionString);
        var catalog = new SongCatalog(tables, names, TimeProvider.System);
        var store = new CatalogSnapshotStore(blobs, names, catalog, TimeProvider.System);
        var watch = Stopwatch.StartNew();
        var counts = new int[2];
        // Storage last provisioned by a build without the catalog container has none yet.
        await blobs.GetBlobContainerClient(names.CatalogContainer).CreateIfNotExistsAsync();
        await store.PublishAsync(SongsAsync(catalog, songs, counts));
        var size = (await blobs.GetBlobContainerClient(names.CatalogContainer).GetBlobClient(CatalogSnapshotStore.BlobName).GetPropertiesAsync()).Value.ContentLength;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"published a snapshot of {counts[0] + counts[1]:N0} songs ({counts[0]:N0} from the catalog table, {counts[1]:N0} generated): {size / (1024.0 * 1024):N1} MiB in {watch.Elapsed.TotalSeconds:N1} s"));
        return 0;
    }

    /// <summary>
    /// Writes full catalog rows (title, artist, label, duration, regions) for <c>s_000000</c>… as the
    /// traffic generator names songs, in batched transactions: the same rows as its <c>--catalog</c>
    /// (which PUTs one song at a time, about 100 a second on a loaded machine), without change records.
    /// </summary>
    public static async Task<int> SeedRowsAsync(string connectionString, string prefix, int songs)
    {
        var names = new StorageNames(prefix);
        var table = new TableServiceClient(connectionString).GetTableClient(names.SongsTable);
        await table.CreateIfNotExistsAsync();
        var watch = Stopwatch.StartNew();
        string[][] regions = [[], [], [], ["ID"], ["US", "CA"]];
        var batches = Enumerable.Range(0, songs)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"s_{i:D6}"))
            .GroupBy(TableKeys.CatalogPartition)
            .SelectMany(p => p.Chunk(InteractionStore.MaxTransactionActions))
            .ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, ct) =>
            await table.SubmitTransactionAsync(
                batch.Select(id =>
                {
                    var i = int.Parse(id.AsSpan(2), CultureInfo.InvariantCulture);
                    return new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(TableKeys.CatalogPartition(id), id)
                    {
                        ["Title"] = string.Create(CultureInfo.InvariantCulture, $"Song {i}"),
                        ["Artist"] = string.Create(CultureInfo.InvariantCulture, $"Artist {i % 3000}"),
                        ["Label"] = string.Create(CultureInfo.InvariantCulture, $"Label {i % 50:D3}"),
                        ["DurationMs"] = 180_000,
                        ["Regions"] = string.Join(',', regions[i % regions.Length]),
                    });
                }),
                ct));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {songs:N0} catalog rows in {watch.Elapsed.TotalSeconds:N1} s"));
        return 0;
    }

    private static async IAsyncEnumerable<(string SongId, SongDetails? Details)> SongsAsync(SongCatalog catalog, int songs, int[] counts, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var song in catalog.ReadDetailsAsync(cancellationToken))
        {
            counts[0]++;
            yield return song;
        }

        string[][] regionSets = [[], [], [], ["ID"], ["US", "CA"], ["JP"], ["ID", "MY", "SG"], ["BR", "PT"]];
        for (var i = counts[0]; i < songs; i++)
        {
            counts[1]++;
            // One in twenty is a placeholder (seen in events only); the others have a 19-byte title, as the snapshot holds titles.
            yield return (string.Create(CultureInfo.InvariantCulture, $"s_gen{i:D8}"), i % 20 == 0
                ? null
                : new SongDetails(string.Create(CultureInfo.InvariantCulture, $"Song title {i:D8}"), string.Create(CultureInfo.InvariantCulture, $"Artist {i / 10:D7}"), string.Create(CultureInfo.InvariantCulture, $"Label {i % Labels:D4}"), 0, regionSets[i % regionSets.Length]));
        }
    }
}
