using Azure;
using Azure.Data.Tables;

namespace Resso.Shared.Privacy;

/// <summary>Deletes rows in entity-group transactions of one partition each, tolerating rows already gone.</summary>
internal static class TableBatches
{
    private const int MaxActions = 100;

    /// <summary>Deletes <paramref name="rows"/> (by key, whatever their ETag); returns how many were deleted now.</summary>
    public static async Task<int> DeleteAsync(TableClient table, IEnumerable<ITableEntity> rows, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var batch in rows.GroupBy(r => r.PartitionKey).SelectMany(p => p.DistinctBy(r => r.RowKey).Chunk(MaxActions)))
        {
            try
            {
                await table.SubmitTransactionAsync(batch.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken);
                deleted += batch.Length;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                // One row is gone already (a repeated erasure, or retention got there first): one by one.
                foreach (var row in batch)
                {
                    var response = await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                    deleted += response.Status == 404 ? 0 : 1;
                }
            }
        }

        return deleted;
    }
}
