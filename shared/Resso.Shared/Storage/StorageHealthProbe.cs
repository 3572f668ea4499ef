using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Resso.Shared.Storage;

/// <summary>Whether one storage service answered, and how fast.</summary>
/// <param name="Reachable">The service answered a list request.</param>
/// <param name="LatencyMs">How long the answer took, in milliseconds.</param>
/// <param name="Error">Why it is unreachable (type and status only: never a URL with a secret).</param>
public sealed record ServiceHealth(bool Reachable, double LatencyMs, string? Error = null);

/// <summary>Reachability of the three storage services the app uses.</summary>
public sealed record StorageHealth(ServiceHealth Tables, ServiceHealth Queues, ServiceHealth Blobs)
{
    /// <summary>All three services answered.</summary>
    [JsonIgnore]
    public bool AllReachable => Tables.Reachable && Queues.Reachable && Blobs.Reachable;
}

/// <summary>Checks that Tables, Queues and Blobs answer, each within a short timeout.</summary>
public sealed class StorageHealthProbe(TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs, TimeProvider timeProvider)
{
    /// <summary>How long one service may take to answer before it counts as unreachable.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>Asks the three services at once.</summary>
    public async Task<StorageHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var t = ProbeAsync(static (c, ct) => c.tables.QueryAsync(maxPerPage: 1, cancellationToken: ct).AsPages().GetAsyncEnumerator(ct).MoveNextAsync(), cancellationToken);
        var q = ProbeAsync(static (c, ct) => c.queues.GetQueuesAsync(cancellationToken: ct).AsPages(pageSizeHint: 1).GetAsyncEnumerator(ct).MoveNextAsync(), cancellationToken);
        var b = ProbeAsync(static (c, ct) => c.blobs.GetBlobContainersAsync(cancellationToken: ct).AsPages(pageSizeHint: 1).GetAsyncEnumerator(ct).MoveNextAsync(), cancellationToken);
        return new StorageHealth(await t, await q, await b);
    }

    private async Task<ServiceHealth> ProbeAsync(
        Func<(TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs), CancellationToken, ValueTask<bool>> call,
        CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var started = timeProvider.GetTimestamp();
        try
        {
            await call((tables, queues, blobs), linked.Token);
            return new ServiceHealth(true, Elapsed(started));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new ServiceHealth(false, Elapsed(started), $"no answer within {Timeout.TotalSeconds:0} s");
        }
        catch (RequestFailedException ex)
        {
            return new ServiceHealth(false, Elapsed(started), $"HTTP {ex.Status} {ex.ErrorCode}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ServiceHealth(false, Elapsed(started), Describe(ex));
        }
    }

    private double Elapsed(long started) => Math.Round(timeProvider.GetElapsedTime(started).TotalMilliseconds, 1);

    private static string Describe(Exception ex)
    {
        // AggregateException from the SDK's retries wraps the transport error; the innermost says most.
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return $"{inner.GetType().Name}: {inner.Message}";
    }
}
