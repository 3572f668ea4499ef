using Resso.Shared.Events;

namespace Resso.Traffic.Sending;

/// <summary>Where generated events go: the HTTP API, the <c>song-used</c> queue, or a file.</summary>
public interface IEventTarget
{
    /// <summary>For the summary, e.g. <c>http http://127.0.0.1:7071</c>; never holds a secret.</summary>
    string Description { get; }

    /// <summary>How many batches may be in flight at once (1 for a file, which keeps event order).</summary>
    int MaxConcurrency { get; }

    /// <summary>Delivers one batch, retrying what is worth retrying. A batch that still fails is reported in the result, not thrown.</summary>
    /// <exception cref="TrafficAbortedException">Sending more would be pointless (e.g. the key is refused).</exception>
    Task<BatchResult> SendAsync(IReadOnlyList<SongUsedEvent> events, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of one batch.</summary>
/// <param name="Events">Events in the batch.</param>
/// <param name="Requests">HTTP requests made (retries included) or queue messages sent.</param>
/// <param name="Retries">Requests repeated after a retryable failure.</param>
/// <param name="Accepted">The service's <c>accepted</c> count, when it reported one.</param>
/// <param name="Error">Why the batch was not delivered; null when it was.</param>
public sealed record BatchResult(int Events, int Requests, int Retries, int? Accepted, string? Error)
{
    /// <summary>The batch was delivered.</summary>
    public bool Succeeded => Error is null;
}

/// <summary>The run cannot go on: the service refused it as a whole (wrong key, wrong address, unhealthy).</summary>
public sealed class TrafficAbortedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrafficAbortedException()
    {
    }

    /// <summary>Creates the exception with a message for the user.</summary>
    public TrafficAbortedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the user and its cause.</summary>
    public TrafficAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
