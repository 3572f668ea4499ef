using Azure;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Resso.Shared.Storage;

/// <summary>
/// What the HTTP routes put around their storage calls: a circuit breaker that, once storage fails
/// half of at least five calls in twenty seconds, answers at once for five seconds instead of letting
/// requests pile up behind the storage client's own retries; and a deadline
/// (<see cref="StorageOptions.RequestTimeout"/>) that cancels the calls, so that a storage account
/// that accepts connections but never answers costs a request the deadline, not the client's two
/// minutes of network timeouts and retries. The routes turn every storage failure into <c>503</c>
/// with <c>Retry-After</c>, or their documented fallback.
/// </summary>
public sealed class StorageGuard
{
    /// <summary>How long the circuit stays open before a trial call.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    private readonly ResiliencePipeline _pipeline;

    /// <summary>Builds the pipeline on <paramref name="timeProvider"/>, with the deadline of <paramref name="options"/>.</summary>
    public StorageGuard(TimeProvider timeProvider, IOptions<StorageOptions> options)
    {
        Timeout = options.Value.RequestTimeout;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 5,
                SamplingDuration = TimeSpan.FromSeconds(20),
                BreakDuration = BreakDuration,

                // The context carries the caller's token here (the timeout inside restores it): a
                // client that went away says nothing about storage and must not open the circuit.
                // Nor does a missing queue, table or container: storage answers, StorageRepair makes
                // it again within moments, and an open circuit would refuse every route for the
                // whole break, those whose storage is there included.
                ShouldHandle = static args => new ValueTask<bool>(
                    args.Outcome.Exception is { } e && IsStorageFailure(e, args.Context.CancellationToken) && !StorageRepair.IsMissingResource(e)),
            })
            .AddTimeout(Timeout)
            .Build();
    }

    /// <summary>The deadline of one guarded call.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Runs <paramref name="work"/> through the breaker and the deadline.</summary>
    /// <exception cref="BrokenCircuitException">Storage has been failing; nothing was attempted.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the caller left), whatever storage did meanwhile.</exception>
    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        ExecuteAsync(static (w, ct) => w(ct), work, cancellationToken);

    /// <summary>Runs <paramref name="work"/> with <paramref name="state"/> through the breaker and the deadline.</summary>
    /// <exception cref="BrokenCircuitException">Storage has been failing; nothing was attempted.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the caller left), whatever storage did meanwhile.</exception>
    public async ValueTask<TResult> ExecuteAsync<TState, TResult>(Func<TState, CancellationToken, ValueTask<TResult>> work, TState state, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _pipeline.ExecuteAsync(work, state, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // The storage client may wrap the caller's cancellation with earlier attempts' errors in
            // an AggregateException; the caller left all the same, and hosts recognise an aborted
            // request by an OperationCanceledException (no error log, no answer written).
            throw new OperationCanceledException("The caller cancelled while storage was being called.", ex, cancellationToken);
        }
    }

    /// <summary>
    /// True for a failure of storage rather than of the request: unreachable (the client's retries
    /// give up with an <see cref="AggregateException"/>), a 5xx, 408 or 429, no answer in time (the
    /// client's network timeout, a <see cref="TaskCanceledException"/>, or the deadline), the open
    /// circuit, or one of the app's queues, tables or containers missing
    /// (<see cref="StorageRepair.IsMissingResource"/>: it is being re-created, so the request is worth
    /// retrying). Any cancellation counts, so a caller whose own token may have been cancelled checks
    /// that too: a client that went away is not a storage failure.
    /// </summary>
    public static bool IsStorageFailure(Exception exception) => exception switch
    {
        RequestFailedException e => e.Status is 0 or 408 or 429 or >= 500 || StorageRepair.IsMissingResource(e),
        AggregateException e => e.InnerExceptions.Count > 0 && e.InnerExceptions.All(IsStorageFailure),
        HttpRequestException or IOException or TimeoutRejectedException or BrokenCircuitException or OperationCanceledException => true,
        _ => false,
    };

    /// <summary>
    /// <see cref="IsStorageFailure(Exception)"/>, unless <paramref name="callerToken"/> was cancelled:
    /// then the caller left, which says nothing about storage (no 503 to write, no circuit to open).
    /// </summary>
    public static bool IsStorageFailure(Exception exception, CancellationToken callerToken) =>
        !callerToken.IsCancellationRequested && IsStorageFailure(exception);

    /// <summary>When to try again: the rest of the open circuit's break, else a couple of seconds.</summary>
    public static TimeSpan RetryAfter(Exception exception) =>
        exception is BrokenCircuitException { RetryAfter: { } after } && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(2);
}
