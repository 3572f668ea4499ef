using Azure;
using Azure.Data.Tables;
using Resso.Shared.Storage;

namespace Resso.Traffic.Storage;

/// <summary>Decides whether the service's storage holds no traffic yet (for <c>--if-empty</c>).</summary>
public interface IStorageEmptinessProbe
{
    /// <summary>What is checked, for messages.</summary>
    string Description { get; }

    /// <summary>True when no traffic has been recorded.</summary>
    Task<bool> IsEmptyAsync(CancellationToken cancellationToken = default);
}

/// <summary>Empty means: the <c>interactions</c> table has no entity, or does not exist.</summary>
public sealed class InteractionsTableProbe(TableClient table) : IStorageEmptinessProbe
{
    /// <inheritdoc />
    public string Description => "table " + table.Name;

    /// <summary>The probe for the <c>interactions</c> table (with <paramref name="prefix"/>) of the account in <paramref name="connectionString"/>.</summary>
    /// <exception cref="Shared.Configuration.RessoConfigurationException">The connection string is malformed.</exception>
    public static InteractionsTableProbe Create(string connectionString, string prefix = "") =>
        new(StorageConnection.FromConnectionString(connectionString)
            .CreateTableServiceClient(StorageErrors.WithShortRetry(new TableClientOptions()))
            .GetTableClient(new StorageNames(prefix).InteractionsTable));

    /// <inheritdoc />
    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // Pages may come back empty with a continuation token; the first entity settles it.
            await foreach (var page in table.QueryAsync<TableEntity>(maxPerPage: 1, cancellationToken: cancellationToken).AsPages())
            {
                if (page.Values.Count > 0)
                {
                    return false;
                }
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return true;
        }
    }
}
