using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace Resso.Shared.Storage;

/// <summary>Whether one storage service answered, and how fast.</summary>
/// <param name="Reachable">The service answered a list request.</param>
/// <param name="LatencyMs">How long the answer took, in milliseconds.</param>
/// <param name="Error">Why it is unreachable (type and status only: never a URL with a secret).</param>
/// <param name="UnreachableSince">When this instance first found it unreachable, in the outage that goes on; null when it answers.</param>
public sealed record ServiceHealth(bool Reachable, double LatencyMs, string? Error = null, DateTimeOffset? UnreachableSince = null);

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
/// <remarks>
/// The probe is also where an outage is told: when a service stops answering it logs one warning
/// naming the service, its endpoint and the error, and one line when it answers again (and a
/// reminder every <see cref="ReminderEvery"/> in between). <see cref="StorageMonitor"/> checks every
/// <see cref="RetryInterval"/>, so the lines come whether or not anything polls health; the app's
/// background loops, which fail meanwhile, log their failures at Debug only (<see cref="IsOutageAsync"/>).
/// </remarks>
public sealed class StorageHealthProbe(
    TableServiceClient tables,
    QueueServiceClient queues,
    BlobServiceClient blobs,
    TimeProvider timeProvider,
    ILogger<StorageHealthProbe> logger)
{
    /// <summary>How long one service may take to answer before it counts as unreachable.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>How long an answer is reused.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    /// <summary>How often storage is checked (and provisioning retried) while a service is unreachable.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often an outage that goes on is logged again.</summary>
    public static readonly TimeSpan ReminderEvery = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private readonly Outage _tables = new("Tables", Endpoint(tables.Uri));
    private readonly Outage _queues = new("Queues", Endpoint(queues.Uri));
    private readonly Outage _blobs = new("Blobs", Endpoint(blobs.Uri));
    private Task<StorageHealth>? _pending;
    private StorageHealth? _last;
    private long _lastAt;
    private long? _recoveredAt;

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

    /// <summary>How long after storage answers again a storage failure still counts as part of the outage: a call that began during it (with the client's retries) ends up to this late.</summary>
    public static readonly TimeSpan RecoveryGrace = TimeSpan.FromMinutes(1);

    /// <summary>
    /// True when <paramref name="exception"/> is a storage failure (<see cref="StorageGuard.IsStorageFailure(Exception)"/>)
    /// and storage does not answer now (a fresh check, shared and cached like <see cref="CheckAsync"/>)
    /// or answered again less than <see cref="RecoveryGrace"/> ago: the outage is logged once by this
    /// probe, so the caller logs its own failure at Debug. True as well for a missing queue, table or
    /// container (<see cref="StorageRepair.IsMissingResource"/>), whose re-creation <see cref="StorageRepair"/>
    /// logs once. False for any other failure, and for a storage failure while every service answers
    /// and has for a while: those the caller logs as before.
    /// </summary>
    public async ValueTask<bool> IsOutageAsync(Exception exception, CancellationToken cancellationToken = default)
    {
        if (!StorageGuard.IsStorageFailure(exception, cancellationToken))
        {
            return false;
        }

        if (StorageRepair.IsMissingResource(exception))
        {
            return true;
        }

        try
        {
            if (!(await CheckAsync(cancellationToken)).AllReachable)
            {
                return true;
            }

            lock (_gate)
            {
                return _recoveredAt is { } recovered && timeProvider.GetElapsedTime(recovered) < RecoveryGrace;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<StorageHealth> RefreshAsync()
    {
        var checkedHealth = await ProbeAllAsync(CancellationToken.None);
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            var wasDown = _last is { AllReachable: false };
            var health = new StorageHealth(_tables.Observe(checkedHealth.Tables, now, logger), _queues.Observe(checkedHealth.Queues, now, logger), _blobs.Observe(checkedHealth.Blobs, now, logger));
            if (wasDown && health.AllReachable)
            {
                _recoveredAt = timeProvider.GetTimestamp();
            }

            (_last, _lastAt) = (health, timeProvider.GetTimestamp());
            return health;
        }
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
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ServiceHealth(false, Elapsed(started), Describe(ex));
        }
    }

    private double Elapsed(long started) => Math.Round(timeProvider.GetElapsedTime(started).TotalMilliseconds, 1);

    /// <summary>
    /// A storage failure in a few words, without a URL (which could hold a secret): the status and
    /// error code of an answer (<c>HTTP 404 QueueNotFound</c>), else the innermost error's type and
    /// message, what the transport said (<c>SocketException: Connection refused</c>).
    /// </summary>
    public static string Describe(Exception ex)
    {
        if (ex is RequestFailedException { Status: not 0 } answered)
        {
            return $"HTTP {answered.Status} {answered.ErrorCode}";
        }

        // AggregateException from the SDK's retries wraps the transport error; the innermost says most.
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return $"{inner.GetType().Name}: {inner.Message}";
    }

    // Scheme, host and path: a SAS in the query is a secret.
    private static string Endpoint(Uri uri) => uri.GetLeftPart(UriPartial.Path);

    /// <summary>One service's outage as this instance sees it: since when, and when it was last logged.</summary>
    private sealed class Outage(string service, string endpoint)
    {
        private DateTimeOffset? _since;
        private DateTimeOffset _loggedAt;

        // Called under the probe's lock, once per check.
        public ServiceHealth Observe(ServiceHealth health, DateTimeOffset now, ILogger logger)
        {
            if (health.Reachable)
            {
                if (_since is { } since)
                {
                    Log.StorageReachableAgain(logger, service, endpoint, Math.Round((now - since).TotalSeconds));
                    _since = null;
                }

                return health;
            }

            if (_since is null)
            {
                (_since, _loggedAt) = (now, now);
                Log.StorageUnreachable(logger, service, endpoint, health.Error ?? "no answer", RetryInterval.TotalSeconds);
            }
            else if (now - _loggedAt >= ReminderEvery)
            {
                _loggedAt = now;
                Log.StorageStillUnreachable(logger, service, endpoint, _since.Value, health.Error ?? "no answer", RetryInterval.TotalSeconds);
            }

            return health with { UnreachableSince = _since };
        }
    }
}
