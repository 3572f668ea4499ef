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

/// <summary>
/// Checks that Tables, Queues and Blobs answer, each within a short timeout. Answers are reused for
/// <see cref="CacheFor"/>, and concurrent callers share one check, so that a health endpoint polled
/// by load balancers or a load test costs storage three requests a second at most.
/// </summary>
public sealed class StorageHealthProbe(TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs, TimeProvider timeProvider)
{
    /// <summary>How long one service may take to answer before it counts as unreachable.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>How long an answer is reused.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Task<StorageHealth>? _pending;
    private StorageHealth? _last;
    private long _lastAt;

    /// <summary>The latest answer if it is fresh, else a new check (shared with concurrent callers).</summary>
    public Task<StorageHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_last is { } last && timeProvider.GetElapsedTime(_lastAt) < CacheFor)
            {
                return Task.FromResult(last);
            }

            // Not cancelled by one caller: others may be waiting on the same check.
            if (_pending is null || _pending.IsCompleted)
            {
                _pending = RefreshAsync();
            }

            return _pending.WaitAsync(cancellationToken);
        }
    }

    private async Task<StorageHealth> RefreshAsync()
    {
        var health = await ProbeAllAsync(CancellationToken.None);
        lock (_gate)
        {
            (_last, _lastAt) = (health, timeProvider.GetTimestamp());
        }

        return health;
    }

    private async Task<StorageHealth> ProbeAllAsync(CancellationToken cancellationToken)
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
