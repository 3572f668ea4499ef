using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Resso.Shared.Storage;

namespace Resso.Shared.Privacy;

/// <summary>
/// Erasure markers: one row per erased user in table <c>erasures</c>, keyed by a hash of the user's
/// id (never the id), kept for <see cref="Lifetime"/>, longer than any message can wait in the
/// <c>song-used</c> queue. Every instance holds the live markers in memory (read every
/// <see cref="PrivacyOptions.MarkerPollInterval"/> by the erasure watcher, and by the event
/// processor itself when its copy is older than twice that), so that events of an erased user still
/// in flight, or sent after the erasure, are dropped before they are counted, and cached answers
/// for the user are not served again.
/// </summary>
/// <remarks>
/// The hash is SHA-256 of the id with a fixed prefix, not a keyed hash: whoever can guess an id can
/// tell that it was erased in the last <see cref="Lifetime"/>, and nothing more. The same id sends
/// no events for that long (they are dropped); after it, it is a new listener.
/// </remarks>
public sealed class ErasureMarkers(TableServiceClient tables, StorageNames names, IOptions<PrivacyOptions> options, TimeProvider timeProvider) : IDisposable
{
    /// <summary>How long a message lives in a queue: the storage default, which the app does not change.</summary>
    public static readonly TimeSpan QueueMessageLifetime = TimeSpan.FromDays(7);

    /// <summary>How long a marker is kept: a queue message's life and a day's margin for clocks and retries.</summary>
    public static readonly TimeSpan Lifetime = QueueMessageLifetime + TimeSpan.FromDays(1);

    private const string MarkerPartition = "m";

    private readonly TableClient _table = tables.GetTableClient(names.ErasuresTable);
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly Lock _swap = new();
    private Snapshot _snapshot = new(FrozenSet<string>.Empty, DateTimeOffset.MinValue);

    /// <summary>When this instance last read the markers (<see cref="DateTimeOffset.MinValue"/> before the first read).</summary>
    public DateTimeOffset LoadedAt => Volatile.Read(ref _snapshot).LoadedAt;

    /// <summary>How many live markers this instance holds.</summary>
    public int Count => Volatile.Read(ref _snapshot).Hashes.Count;

    /// <summary>The marker's key for <paramref name="userId"/>.</summary>
    public static string Hash(string userId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("resso-erasure|" + userId)));

    /// <summary>Whether <paramref name="userId"/> was erased within <see cref="Lifetime"/>, as this instance last read the markers.</summary>
    public bool IsErased(string userId)
    {
        var hashes = Volatile.Read(ref _snapshot).Hashes;
        return hashes.Count > 0 && hashes.Contains(Hash(userId));
    }

    /// <summary>Writes the marker of <paramref name="userId"/> (again, if it exists) and holds it here at once; returns when it expires.</summary>
    public async Task<DateTimeOffset> MarkAsync(string userId, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var hash = Hash(userId);
        var expiresAt = now + Lifetime;
        await _table.UpsertEntityAsync(new TableEntity(MarkerPartition, hash) { ["ErasedAt"] = now, ["ExpiresAt"] = expiresAt }, TableUpdateMode.Replace, cancellationToken);
        lock (_swap)
        {
            var current = Volatile.Read(ref _snapshot);
            Volatile.Write(ref _snapshot, current with { Hashes = current.Hashes.Append(hash).ToFrozenSet(StringComparer.Ordinal) });
        }

        return expiresAt;
    }

    /// <summary>Reads the live markers.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            var now = timeProvider.GetUtcNow();
            var hashes = new HashSet<string>(StringComparer.Ordinal);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {MarkerPartition} and ExpiresAt gt {now}");
            await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                hashes.Add(row.RowKey);
            }

            lock (_swap)
            {
                Volatile.Write(ref _snapshot, new Snapshot(hashes.ToFrozenSet(StringComparer.Ordinal), now));
            }
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>Reads the markers unless this instance read them within twice <see cref="PrivacyOptions.MarkerPollInterval"/>.</summary>
    public ValueTask EnsureFreshAsync(CancellationToken cancellationToken = default) =>
        timeProvider.GetUtcNow() - LoadedAt <= FreshFor ? ValueTask.CompletedTask : new ValueTask(RefreshAsync(cancellationToken));

    /// <summary>How old this instance's copy of the markers may be when the event processor decides by it.</summary>
    public TimeSpan FreshFor => options.Value.MarkerPollInterval * 2;

    /// <summary>Deletes expired markers; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {MarkerPartition} and ExpiresAt le {timeProvider.GetUtcNow()}");
        var rows = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return await TableBatches.DeleteAsync(_table, rows, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _refreshGate.Dispose();

    private sealed record Snapshot(FrozenSet<string> Hashes, DateTimeOffset LoadedAt);
}
