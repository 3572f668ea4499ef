using Azure;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Resso.Shared.Storage;

/// <summary>
/// What the HTTP routes put around their storage calls: a circuit breaker that, once storage fails
/// half of at least five calls in twenty seconds, answers at once for five seconds instead of letting
/// requests pile up behind the storage client's own retries; and a ten-second timeout. The routes
/// turn every storage failure into <c>503</c> with <c>Retry-After</c>.
/// </summary>
public sealed class StorageGuard
{
    /// <summary>How long the circuit stays open before a trial call.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    private readonly ResiliencePipeline _pipeline;

    /// <summary>Builds the pipeline on <paramref name="timeProvider"/>.</summary>
    public StorageGuard(TimeProvider timeProvider)
    {
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 5,
                SamplingDuration = TimeSpan.FromSeconds(20),
                BreakDuration = BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsStorageFailure),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    /// <summary>Runs <paramref name="work"/> through the breaker and timeout.</summary>
    /// <exception cref="BrokenCircuitException">Storage has been failing; nothing was attempted.</exception>
    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(static (w, ct) => w(ct), work, cancellationToken);

    /// <summary>
    /// True for a failure of storage rather than of the request: unreachable (the client's retries
    /// give up with an <see cref="AggregateException"/>), a 5xx, 408 or 429, a timeout, or the open circuit.
    /// </summary>
    public static bool IsStorageFailure(Exception exception) => exception switch
    {
        RequestFailedException e => e.Status is 0 or 408 or 429 or >= 500,
        AggregateException e => e.InnerExceptions.Count > 0 && e.InnerExceptions.All(IsStorageFailure),
        HttpRequestException or IOException or TimeoutRejectedException or BrokenCircuitException => true,
        _ => false,
    };

    /// <summary>When to try again: the rest of the open circuit's break, else a couple of seconds.</summary>
    public static TimeSpan RetryAfter(Exception exception) =>
        exception is BrokenCircuitException { RetryAfter: { } after } && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(2);
}
