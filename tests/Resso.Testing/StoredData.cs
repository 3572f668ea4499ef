using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Resso.Shared.Attribution;
using Resso.Shared.Storage;

namespace Resso.Testing;

/// <summary>What a self-host has left in storage, for tests that expect nothing.</summary>
public static class StoredData
{
    /// <summary>
    /// Once the host's analytics are flushed: the first row of every table, every queue holding
    /// messages, the first blob of every event, model or offer container; empty when a refused
    /// request left nothing behind.
    /// </summary>
    public static async Task<List<string>> FindAsync(string connectionString, SelfHostServer host, CancellationToken cancellationToken = default)
    {
        await host.Get<AnalyticsWriter>().FlushAsync(cancellationToken);
        var found = new List<string>();
        var names = new StorageNames(host.StoragePrefix);
        var tables = new TableServiceClient(connectionString);
        foreach (var table in names.Tables)
        {
            await foreach (var row in tables.GetTableClient(table).QueryAsync<TableEntity>(maxPerPage: 1, cancellationToken: cancellationToken))
            {
                found.Add($"table {table} has a row: {row.PartitionKey}/{row.RowKey}");
                break;
            }
        }

        foreach (var queue in new[] { names.SongUsedQueue, names.SongUsedPoisonQueue, names.ModelRetrainQueue })
        {
            var properties = await new QueueClient(connectionString, queue).GetPropertiesAsync(cancellationToken);
            if (properties.Value.ApproximateMessagesCount > 0)
            {
                found.Add($"queue {queue} has {properties.Value.ApproximateMessagesCount} messages");
            }
        }

        var blobs = new BlobServiceClient(connectionString);
        foreach (var container in new[] { names.ModelsContainer, names.EventLogContainer, names.OfferLogContainer })
        {
            await foreach (var blob in blobs.GetBlobContainerClient(container).GetBlobsAsync(cancellationToken: cancellationToken))
            {
                found.Add($"container {container} has a blob: {blob.Name}");
                break;
            }
        }

        return found;
    }
}
