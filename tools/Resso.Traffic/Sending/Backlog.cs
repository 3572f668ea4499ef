using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Resso.Shared.Storage;
using Resso.Traffic.Storage;

namespace Resso.Traffic.Sending;

/// <summary>The <c>song-used</c> queue at one moment: depth 0 means every event sent so far is counted.</summary>
/// <param name="Queue">The queue's name.</param>
/// <param name="Depth">Messages not yet processed (each holds up to a batch of events).</param>
/// <param name="OldestMessageAgeSeconds">Age of the oldest waiting message; null when none is waiting or the source does not say.</param>
/// <param name="PoisonDepth">Messages given up on, in the poison queue.</param>
/// <param name="ProcessingLagSeconds">How far processing is behind, as the service reports it; null when it does not.</param>
/// <param name="CheckedAt">When the service read the figures (its clock; health reuses them for a few seconds); null when it does not say, or they were read just now.</param>
public sealed record BacklogReading(string Queue, long Depth, double? OldestMessageAgeSeconds, long PoisonDepth, double? ProcessingLagSeconds,
    DateTimeOffset? CheckedAt = null);

/// <summary>Where the backlog of the <c>song-used</c> queue is read.</summary>
public interface IBacklogSource
{
    /// <summary>For messages, e.g. <c>GET http://127.0.0.1:7071/api/health</c>.</summary>
    string Description { get; }

    /// <summary>The backlog now; null when this source does not report it (e.g. a service without queue depths in its health).</summary>
    /// <exception cref="BacklogUnavailableException">The source did not answer this time; a later try may.</exception>
    Task<BacklogReading?> ReadAsync(CancellationToken cancellationToken = default);
}

/// <summary>A backlog source did not answer this time.</summary>
public sealed class BacklogUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BacklogUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message for the user.</summary>
    public BacklogUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the user and its cause.</summary>
    public BacklogUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Reads the backlog from the service's <c>GET /api/health</c>:
/// <c>"queues": {"songUsed": {"name", "depth", "oldestMessageAgeSeconds", "poisonDepth", "processingLagSeconds"}, …}</c>.
/// A 503 carries the same report, so its body is read too.
/// </summary>
public sealed class HealthBacklogSource(HttpClient client, Uri baseAddress) : IBacklogSource
{
    private readonly Uri _health = ApiRoutes.Health(baseAddress);

    /// <inheritdoc />
    public string Description => "GET " + _health;

    /// <inheritdoc />
    public async Task<BacklogReading?> ReadAsync(CancellationToken cancellationToken = default)
    {
        string body;
        try
        {
            using var response = await client.GetAsync(_health, cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode && !body.TrimStart().StartsWith('{'))
            {
                throw new BacklogUnavailableException($"GET {_health.AbsolutePath} answered {(int)response.StatusCode}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new BacklogUnavailableException($"GET {_health.AbsolutePath}: {(ex is TaskCanceledException ? "the request timed out" : ex.Message)}", ex);
        }

        return Parse(body);
    }

    /// <summary>The <c>queues.songUsed</c> part of a health report; null when the report has none.</summary>
    /// <exception cref="BacklogUnavailableException">The body is not a JSON object, or <c>songUsed</c> has no whole <c>depth</c>.</exception>
    public static BacklogReading? Parse(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BacklogUnavailableException("the health report is not a JSON object");
            }

            if (!root.TryGetProperty("queues", out var queues) || queues.ValueKind != JsonValueKind.Object
                || !queues.TryGetProperty("songUsed", out var songUsed) || songUsed.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (!songUsed.TryGetProperty("depth", out var depth) || depth.ValueKind != JsonValueKind.Number || !depth.TryGetInt64(out var messages) || messages < 0)
            {
                throw new BacklogUnavailableException("the health report's queues.songUsed has no depth");
            }

            return new BacklogReading(
                songUsed.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString()! : "song-used",
                messages,
                Number(songUsed, "oldestMessageAgeSeconds"),
                songUsed.TryGetProperty("poisonDepth", out var poison) && poison.ValueKind == JsonValueKind.Number && poison.TryGetInt64(out var poisoned) ? poisoned : 0,
                Number(songUsed, "processingLagSeconds"),
                songUsed.TryGetProperty("checkedAt", out var checkedAt) && checkedAt.ValueKind == JsonValueKind.String && checkedAt.TryGetDateTimeOffset(out var at) ? at : null);
        }
        catch (JsonException ex)
        {
            throw new BacklogUnavailableException("the health report is not JSON: " + ex.Message, ex);
        }
    }

    private static double? Number(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}

/// <summary>
/// Reads the backlog straight from storage, for a service whose health does not report it yet: the
/// approximate message counts of <c>song-used</c> and its poison queue (waiting and in-flight messages both count).
/// </summary>
public sealed class StorageQueueBacklogSource(QueueClient queue, QueueClient poison) : IBacklogSource
{
    /// <inheritdoc />
    public string Description => "queue " + queue.Name;

    /// <summary>The source for the app's queues (with <paramref name="prefix"/>) in the account of <paramref name="connectionString"/>.</summary>
    /// <exception cref="Shared.Configuration.RessoConfigurationException">The connection string is malformed.</exception>
    public static StorageQueueBacklogSource Create(string connectionString, string prefix = "")
    {
        var names = new StorageNames(prefix);
        var service = StorageConnection.FromConnectionString(connectionString).CreateQueueServiceClient(StorageErrors.WithShortRetry(new QueueClientOptions()));
        return new StorageQueueBacklogSource(service.GetQueueClient(names.SongUsedQueue), service.GetQueueClient(names.SongUsedPoisonQueue));
    }

    /// <inheritdoc />
    public async Task<BacklogReading?> ReadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var depth = await CountAsync(queue, cancellationToken);
            var poisoned = await CountAsync(poison, cancellationToken);
            return new BacklogReading(queue.Name, depth, null, poisoned, null);
        }
        catch (Exception ex) when (StorageErrors.Describe(ex) is { } problem)
        {
            throw new BacklogUnavailableException(problem, ex);
        }
    }

    private static async Task<long> CountAsync(QueueClient client, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }
    }
}

/// <summary>How a wait for the backlog ended.</summary>
public enum BacklogWaitResult
{
    /// <summary>Depth 0: every message was processed.</summary>
    Drained,

    /// <summary>The source does not report the backlog.</summary>
    NotReported,

    /// <summary>Still not drained when the time ran out.</summary>
    TimedOut,
}

/// <summary>The end of a wait for the backlog.</summary>
/// <param name="Result">How it ended.</param>
/// <param name="Last">The last reading; null when there was none.</param>
/// <param name="Waited">From the start of the wait to its end.</param>
/// <param name="Problem">Why the last read failed, when it did.</param>
public sealed record BacklogWait(BacklogWaitResult Result, BacklogReading? Last, TimeSpan Waited, string? Problem);

/// <summary>Polls an <see cref="IBacklogSource"/> until the depth is 0, printing the depth every few seconds.</summary>
public sealed class BacklogWaiter(IBacklogSource source, TimeProvider time, Action<string> report)
{
    /// <summary>Between two readings.</summary>
    /// <value>500 ms.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Between two progress lines.</summary>
    /// <value>3 s.</value>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Waits until the depth is 0, the source says it does not report it, or <paramref name="timeout"/>
    /// passes. Call it after sending. The service reuses its figures for a few seconds, so the first
    /// reading may show figures read before the send; only figures read after the first reading's
    /// (a later <see cref="BacklogReading.CheckedAt"/>) count as drained: the service reads anew only
    /// once the figures it answered with have expired, which is after that answer, so after the send.
    /// This compares the service's clock with itself only (its <c>Date</c> header may lag by a second
    /// or more on a busy host, and this machine's clock may differ from the service's).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<BacklogWait> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        long? lastReport = null;
        BacklogReading? last = null;
        string? problem = null;
        DateTimeOffset? firstCheckedAt = null;
        var first = true;
        while (true)
        {
            try
            {
                var reading = await source.ReadAsync(cancellationToken);
                if (reading is null)
                {
                    return new BacklogWait(BacklogWaitResult.NotReported, last, time.GetElapsedTime(started), null);
                }

                last = reading;
                problem = null;
                if (first)
                {
                    (first, firstCheckedAt) = (false, reading.CheckedAt);
                }

                if (reading.Depth == 0 && (reading.CheckedAt is null || firstCheckedAt is null || reading.CheckedAt > firstCheckedAt))
                {
                    return new BacklogWait(BacklogWaitResult.Drained, reading, time.GetElapsedTime(started), null);
                }
            }
            catch (BacklogUnavailableException ex)
            {
                // A busy or restarting service: keep trying until the time is up.
                problem = ex.Message;
            }

            var waited = time.GetElapsedTime(started);
            if (waited >= timeout)
            {
                return new BacklogWait(BacklogWaitResult.TimedOut, last, waited, problem);
            }

            if (lastReport is null || time.GetElapsedTime(lastReport.Value) >= ReportInterval)
            {
                lastReport = time.GetTimestamp();
                report(Describe(last, problem, waited));
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    /// <summary>One progress line: <c>draining  song-used depth 37, oldest 12 s, poison 0  (24.3 s)</c>.</summary>
    public static string Describe(BacklogReading? reading, string? problem, TimeSpan waited)
    {
        var seconds = waited.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        if (reading is null)
        {
            return $"draining  no reading yet{(problem is null ? "" : ": " + problem)}  ({seconds} s)";
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"draining  {reading.Queue} depth {reading.Depth:N0}");
        if (reading.OldestMessageAgeSeconds is { } oldest)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", oldest {oldest:0} s");
        }

        if (reading.ProcessingLagSeconds is { } lag)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", lag {lag:0} s");
        }

        line += string.Create(CultureInfo.InvariantCulture, $", poison {reading.PoisonDepth:N0}");
        return line + (problem is null ? "" : "; last read failed: " + problem) + $"  ({seconds} s)";
    }
}
