using Resso.Load.Histograms;

namespace Resso.Load.Engine;

/// <summary>
/// What one template (or a whole run) measured: latencies of answered requests, status codes,
/// transport errors and response bytes. One writer at a time; merged with <see cref="Add"/>.
/// </summary>
public sealed class RequestStats
{
    /// <summary>The transport error recorded when a request outlives the request timeout.</summary>
    public const string Timeout = "Timeout";

    private const int StatusSlots = 1000;

    private readonly long[] _statusCodes = new long[StatusSlots];
    private readonly Dictionary<string, long> _transportErrors = new(StringComparer.Ordinal);

    /// <summary>Latency in nanoseconds from sending a request to reading the last byte of its answer, whatever its status.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Requests that got an answer.</summary>
    public long Answered { get; private set; }

    /// <summary>Requests that got no answer (connection failures, timeouts…).</summary>
    public long TransportErrorCount { get; private set; }

    /// <summary>Requests measured: answered or not.</summary>
    public long Requests => Answered + TransportErrorCount;

    /// <summary>Answers with a status other than 2xx or 3xx.</summary>
    public long ErrorStatusCount { get; private set; }

    /// <summary>Errors of either kind.</summary>
    public long Errors => ErrorStatusCount + TransportErrorCount;

    /// <summary>Errors over requests; 0 without requests.</summary>
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    /// <summary>Response body bytes read.</summary>
    public long Bytes { get; private set; }

    /// <summary>Answers by status code, in code order.</summary>
    public IReadOnlyDictionary<int, long> StatusCodes =>
        Enumerable.Range(0, StatusSlots).Where(code => _statusCodes[code] > 0).ToDictionary(code => code, code => _statusCodes[code]);

    /// <summary>Unanswered requests by cause (an <see cref="HttpRequestError"/> name, <see cref="Timeout"/>, or an exception type).</summary>
    public IReadOnlyDictionary<string, long> TransportErrors =>
        _transportErrors.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);

    /// <summary>Counts an answer.</summary>
    public void RecordAnswer(int statusCode, long latencyNanoseconds, long bytes)
    {
        _statusCodes[Math.Clamp(statusCode, 0, StatusSlots - 1)]++;
        if (statusCode is < 200 or >= 400)
        {
            ErrorStatusCount++;
        }

        Latency.Record(latencyNanoseconds);
        Bytes += bytes;
        Answered++;
    }

    /// <summary>Counts a request that got no answer.</summary>
    public void RecordTransportError(string cause, long bytes = 0)
    {
        _transportErrors[cause] = _transportErrors.GetValueOrDefault(cause) + 1;
        Bytes += bytes;
        TransportErrorCount++;
    }

    /// <summary>Adds everything <paramref name="other"/> counted.</summary>
    public void Add(RequestStats other)
    {
        Latency.Add(other.Latency);
        for (var i = 0; i < StatusSlots; i++)
        {
            _statusCodes[i] += other._statusCodes[i];
        }

        foreach (var (cause, count) in other._transportErrors)
        {
            _transportErrors[cause] = _transportErrors.GetValueOrDefault(cause) + count;
        }

        Answered += other.Answered;
        TransportErrorCount += other.TransportErrorCount;
        ErrorStatusCount += other.ErrorStatusCount;
        Bytes += other.Bytes;
    }
}
