using Azure;
using Azure.Data.Tables;
using Resso.Shared.Privacy;

namespace Resso.Shared.Attribution;

/// <summary>What erasing a user did to the attribution tables.</summary>
/// <param name="ClickIndexRows">The user's per-user click index rows, deleted.</param>
/// <param name="Clicks">Click rows whose viewer was the user, kept without the user (reports count them).</param>
/// <param name="Claims">Claim rows whose viewer was the user, kept without the user.</param>
/// <param name="Conversions">Conversion rows of the user, kept for accounting with the user replaced by a pseudonym.</param>
/// <param name="SubscriptionRows">The user's subscription state and change rows, deleted.</param>
public sealed record AttributionErasure(int ClickIndexRows, int Clicks, int Claims, int Conversions, int SubscriptionRows);

public sealed partial class AttributionStore
{
    // Rows written by the app carry these; a copy for a replace leaves them out.
    private static readonly HashSet<string> SystemProperties = new(StringComparer.Ordinal) { "PartitionKey", "RowKey", "Timestamp", "odata.etag" };

    /// <summary>The user's click index rows (newest first), each with the click's id in <c>ClickId</c>.</summary>
    public IAsyncEnumerable<TableEntity> ReadUserClicksAsync(string userId, CancellationToken cancellationToken = default) =>
        _clicks.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {UserClickPartition(userId)} and RowKey gt {userId + "|"} and RowKey lt {userId + "|~"}"),
            cancellationToken: cancellationToken);

    /// <summary>Claims issued to the user as viewer (a scan of the claims table: claims have no per-user index).</summary>
    public IAsyncEnumerable<TableEntity> ReadUserClaimsAsync(string userId, CancellationToken cancellationToken = default) =>
        _claims.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"KeyUserId eq {userId}"), cancellationToken: cancellationToken);

    /// <summary>Conversions of the user, or attributed to a click of the user (a scan of the conversions table's 16 partitions).</summary>
    public IAsyncEnumerable<TableEntity> ReadUserConversionsAsync(string userId, CancellationToken cancellationToken = default) =>
        _conversions.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"UserId eq {userId} or KeyUserId eq {userId}"), cancellationToken: cancellationToken);

    /// <summary>The user's subscription state row, or null.</summary>
    public async Task<TableEntity?> GetSubscriptionRowAsync(string userId, CancellationToken cancellationToken = default)
    {
        var row = await _subscriptions.GetEntityIfExistsAsync<TableEntity>(UserPartition(userId), userId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// Erases <paramref name="userId"/> from clicks, claims, conversions and subscriptions, safe to
    /// repeat. Rows that reports count stay, so that every total stays the same: clicks and claims
    /// without the user, conversions with <paramref name="pseudonym"/> for the user. Rows that exist
    /// only for the user (the click index, the subscription state and its change rows) are deleted.
    /// </summary>
    public async Task<AttributionErasure> EraseUserAsync(string userId, string pseudonym, CancellationToken cancellationToken = default)
    {
        var index = new List<TableEntity>();
        var clicks = 0;
        await foreach (var row in ReadUserClicksAsync(userId, cancellationToken))
        {
            index.Add(row);
            if (row.GetString("ClickId") is { } clickId && PartitionOf(clickId) is { } partition)
            {
                clicks += await RewriteAsync(_clicks, partition, clickId, userId, pseudonym: null, cancellationToken) ? 1 : 0;
            }
        }

        var claims = 0;
        await foreach (var row in ReadUserClaimsAsync(userId, cancellationToken))
        {
            claims += await RewriteAsync(_claims, row.PartitionKey, row.RowKey, userId, pseudonym: null, cancellationToken) ? 1 : 0;
        }

        // The hours the user's subscription changed: when their conversions were recorded, and the last
        // two days (change rows older than a day are removed by retention).
        var now = timeProvider.GetUtcNow();
        var hours = Enumerable.Range(0, 50).Select(h => now.AddHours(-h)).ToList();
        var conversions = 0;
        await foreach (var row in ReadUserConversionsAsync(userId, cancellationToken))
        {
            if (row.GetDateTimeOffset("RecordedAt") is { } recordedAt)
            {
                hours.Add(recordedAt);
                hours.Add(recordedAt.AddHours(1));
            }

            conversions += await RewriteAsync(_conversions, row.PartitionKey, row.RowKey, userId, pseudonym, cancellationToken) ? 1 : 0;
        }

        var subscriptionRows = 0;
        if (await GetSubscriptionRowAsync(userId, cancellationToken) is { } state)
        {
            if (state.GetDateTimeOffset("UpdatedAt") is { } updatedAt)
            {
                hours.Add(updatedAt);
            }

            var response = await _subscriptions.DeleteEntityAsync(state.PartitionKey, state.RowKey, ETag.All, cancellationToken);
            subscriptionRows += response.Status == 404 ? 0 : 1;
        }

        var changes = new List<TableEntity>();
        foreach (var partition in hours.Select(ChangePartition).Distinct(StringComparer.Ordinal))
        {
            await foreach (var row in _subscriptions.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                if (row.RowKey.EndsWith("|" + userId, StringComparison.Ordinal))
                {
                    changes.Add(row);
                }
            }
        }

        subscriptionRows += await TableBatches.DeleteAsync(_subscriptions, changes, cancellationToken);
        var indexRows = await TableBatches.DeleteAsync(_clicks, index, cancellationToken);
        return new AttributionErasure(indexRows, clicks, claims, conversions, subscriptionRows);
    }

    /// <summary>Deletes subscription change rows of hours before <paramref name="cutoff"/>: they only tell other instances to drop a cached state.</summary>
    public async Task<int> DeleteSubscriptionChangesBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {"c|"} and PartitionKey lt {ChangePartition(cutoff)}");
        var deleted = 0;
        await foreach (var page in _subscriptions.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).AsPages())
        {
            deleted += await TableBatches.DeleteAsync(_subscriptions, page.Values, cancellationToken);
        }

        return deleted;
    }

    // Replaces the row with a copy in which the user no longer appears: the viewer key dropped, the
    // subscriber replaced by the pseudonym. Conditional on the row as read; false when there is nothing to change.
    private static async Task<bool> RewriteAsync(TableClient table, string partition, string row, string userId, string? pseudonym, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
            if (!found.HasValue)
            {
                return false;
            }

            var current = found.Value!;
            var copy = new TableEntity(partition, row);
            var changed = false;
            foreach (var (key, value) in current)
            {
                if (SystemProperties.Contains(key))
                {
                    continue;
                }

                if (value is string text && string.Equals(text, userId, StringComparison.Ordinal))
                {
                    changed = true;
                    if (key == "KeyUserId" || pseudonym is null)
                    {
                        continue;
                    }

                    copy[key] = pseudonym;
                    continue;
                }

                copy[key] = value;
            }

            if (!changed)
            {
                return false;
            }

            try
            {
                await table.UpdateEntityAsync(copy, current.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404 && attempt < 5)
            {
                // Changed since read (a claim redeemed meanwhile): read again.
            }
        }
    }
}
