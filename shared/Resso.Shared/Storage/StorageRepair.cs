using System.Runtime.ExceptionServices;
using Azure;
using Microsoft.Extensions.Logging;

namespace Resso.Shared.Storage;

/// <summary>
/// Re-creates the app's tables, queues and containers when one of them turns out to be missing
/// (Azurite restarted in memory, a queue deleted by hand): the storage clients report every
/// <c>QueueNotFound</c>, <c>TableNotFound</c> and <c>ContainerNotFound</c> answer here
/// (<see cref="MissingStoragePolicy"/>), so routes and background work heal alike, without a restart.
/// </summary>
/// <remarks>
/// Single-flight: a failure while a re-creation runs joins it, so a hundred requests failing at once
/// cost one re-creation; a failure of a call that began before the last re-creation finished is
/// explained by it and starts nothing. A re-creation creates whatever <see cref="StorageNames"/>
/// lists and is missing (<see cref="StorageProvisioner.CreateMissingAsync"/>), logs one warning
/// naming what it created, and is retried with a growing delay until it succeeds (a deleted queue
/// or table cannot be created again for a while on Azure: <c>QueueBeingDeleted</c>).
/// What a deletion destroyed (messages in a deleted queue, rows of a deleted table, blobs) is not
/// brought back.
/// </remarks>
public sealed class StorageRepair : IDisposable
{
    /// <summary>How many times <see cref="RetryAfterRepairAsync{T}"/> runs its work at most.</summary>
    public const int MaxAttempts = 4;

    /// <summary>How long <see cref="RetryAfterRepairAsync{T}"/> waits for a re-creation before it gives up and throws the failure.</summary>
    public static readonly TimeSpan RepairWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly Func<CancellationToken, Task<IReadOnlyList<string>>> _recreate;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<StorageRepair> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task? _running;
    private long _finishedAt = long.MinValue;
    private int _repairs;

    /// <summary>
    /// A repair that calls <paramref name="recreate"/> to create what is missing (returning the names it
    /// created): in the app, <see cref="StorageProvisioner.CreateMissingAsync"/>.
    /// </summary>
    public StorageRepair(Func<CancellationToken, Task<IReadOnlyList<string>>> recreate, TimeProvider timeProvider, ILogger<StorageRepair> logger)
    {
        _recreate = recreate;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Re-creations completed since start.</summary>
    public int Repairs => Volatile.Read(ref _repairs);

    /// <summary>True while a re-creation runs.</summary>
    public bool IsRepairing
    {
        get
        {
            lock (_gate)
            {
                return _running is { IsCompleted: false };
            }
        }
    }

    /// <summary>True for the error codes of a missing queue, table or blob container.</summary>
    public static bool IsMissingResourceCode(string? errorCode) =>
        errorCode is "QueueNotFound" or "TableNotFound" or "ContainerNotFound";

    /// <summary>
    /// True when <paramref name="exception"/> says that a queue, table or blob container does not
    /// exist (a missing entity, message or blob is not: that is data, not the app's storage layout).
    /// </summary>
    public static bool IsMissingResource(Exception exception) => exception switch
    {
        RequestFailedException { Status: 404 } e => IsMissingResourceCode(e.ErrorCode),
        AggregateException e => e.InnerExceptions.Any(IsMissingResource),
        _ => false,
    };

    /// <summary>
    /// Reports that a call begun at <paramref name="callStartedAt"/> (a <see cref="TimeProvider.GetTimestamp"/>
    /// of this repair's clock) found a resource missing, as <paramref name="cause"/> says. Joins the
    /// re-creation that runs; starts nothing if one finished after the call began; else starts one.
    /// The task completes (never faults) when the resources exist again or the app stops.
    /// </summary>
    public Task RequestAsync(string cause, long callStartedAt)
    {
        lock (_gate)
        {
            if (_running is { IsCompleted: false } running)
            {
                return running;
            }

            if (callStartedAt <= _finishedAt || _stopping.IsCancellationRequested)
            {
                return Task.CompletedTask;
            }

            var stopping = _stopping.Token;
            _running = Task.Run(() => RunAsync(cause, stopping));
            return _running;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/>; when it fails because a resource is missing, waits for the
    /// re-creation (at most <see cref="RepairWait"/>) and runs it again, up to <see cref="MaxAttempts"/>
    /// times in all. For work that is safe to repeat, such as processing a queue message: the message
    /// is then processed once more at once instead of spending one of its deliveries.
    /// </summary>
    public async Task<T> RetryAfterRepairAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = _timeProvider.GetTimestamp();
            try
            {
                return await work(cancellationToken);
            }
            catch (Exception ex) when (attempt < MaxAttempts && IsMissingResource(ex) && !cancellationToken.IsCancellationRequested)
            {
                var repaired = RequestAsync(StorageHealthProbe.Describe(ex), started);
                if (!await CompletesWithinAsync(repaired, cancellationToken))
                {
                    ExceptionDispatchInfo.Throw(ex);
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            // A re-creation that runs stops at its next storage call or delay.
            _stopping.Cancel();
        }

        _stopping.Dispose();
    }

    private async Task<bool> CompletesWithinAsync(Task repaired, CancellationToken cancellationToken)
    {
        try
        {
            await repaired.WaitAsync(RepairWait, _timeProvider, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task RunAsync(string cause, CancellationToken token)
    {
        var delay = FirstRetryDelay;
        while (!token.IsCancellationRequested)
        {
            var started = _timeProvider.GetTimestamp();
            try
            {
                var created = await _recreate(token);
                lock (_gate)
                {
                    _finishedAt = _timeProvider.GetTimestamp();
                }

                Interlocked.Increment(ref _repairs);
                var milliseconds = Math.Round(_timeProvider.GetElapsedTime(started).TotalMilliseconds);
                if (created.Count > 0)
                {
                    Log.StorageRecreated(_logger, cause, created.Count, string.Join(", ", created), milliseconds);
                }
                else
                {
                    Log.StorageNothingToRecreate(_logger, cause, milliseconds);
                }

                return;
            }
            catch (Exception ex) when (token.IsCancellationRequested)
            {
                Log.StorageRecreationStopped(_logger, ex);
                return;
            }
            catch (Exception ex)
            {
                Log.StorageRecreationFailed(_logger, cause, StorageHealthProbe.Describe(ex), delay.TotalSeconds);
            }

            try
            {
                await Task.Delay(delay, _timeProvider, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }
}
