using Resso.Load.Scenarios;

namespace Resso.Load.Engine;

/// <summary>When a run measures, shared by its workers.</summary>
internal sealed class RunWindow(TimeProvider time, long measureStart, long measureEnd, long? requests)
{
    private long _claimed;

    public TimeProvider Time => time;

    /// <summary>Timestamp of the end of the warm-up.</summary>
    public long MeasureStart => measureStart;

    /// <summary>Timestamp after which nothing is sent or recorded (with a request count: the cap).</summary>
    public long MeasureEnd => measureEnd;

    public long? Requests => requests;

    /// <summary>The request count is reached: start nothing more.</summary>
    public bool CountReached => requests is { } n && Volatile.Read(ref _claimed) >= n;

    /// <summary>Whether an answer that came at <paramref name="ended"/> (after the warm-up) is measured.</summary>
    public bool TryClaim(long ended) =>
        ended <= measureEnd && (requests is not { } n || Interlocked.Increment(ref _claimed) <= n);
}

/// <summary>
/// One closed-loop client: sends a request, waits for the whole answer, records it, sends the next.
/// Everything it records is its own (no locks); the runner merges workers once they have stopped.
/// </summary>
internal sealed class Worker(HttpMessageInvoker client, CompiledScenario scenario, RunWindow window, TimeSpan requestTimeout, int seed)
{
    private readonly double _nanosecondsPerTick = 1e9 / window.Time.TimestampFrequency;
    private long _measured;
    private long _errors;

    /// <summary>Per template, in the scenario's order.</summary>
    public RequestStats[] Stats { get; } = [.. scenario.Templates.Select(_ => new RequestStats())];

    public long WarmupRequests { get; private set; }

    /// <summary>Timestamp of the last measured answer; 0 when none.</summary>
    public long LastMeasured { get; private set; }

    /// <summary>Requests measured so far (readable while running).</summary>
    public long Measured => Volatile.Read(ref _measured);

    /// <summary>Errors measured so far (readable while running).</summary>
    public long Errors => Volatile.Read(ref _errors);

    public async Task RunAsync(CancellationToken stop)
    {
        var time = window.Time;
        var random = new Random(seed);
        var buffer = new byte[16 * 1024];
        var perRequest = CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            while (!stop.IsCancellationRequested && time.GetTimestamp() < window.MeasureEnd && !window.CountReached)
            {
                var index = scenario.Pick(random);
                Outcome outcome;
                long started;
                using (var request = scenario.Templates[index].CreateRequest(random))
                {
                    perRequest.CancelAfter(requestTimeout);
                    started = time.GetTimestamp();
                    outcome = await SendAsync(request, buffer, perRequest.Token, stop);
                }

                var (status, bytes, failure, stopped) = outcome;
                if (stopped)
                {
                    break;
                }

                var ended = time.GetTimestamp();
                if (!perRequest.TryReset())
                {
                    perRequest.Dispose();
                    perRequest = CancellationTokenSource.CreateLinkedTokenSource(stop);
                }

                if (ended < window.MeasureStart)
                {
                    WarmupRequests++;
                    continue;
                }

                if (!window.TryClaim(ended))
                {
                    break;
                }

                if (failure is null)
                {
                    Stats[index].RecordAnswer(status, (long)((ended - started) * _nanosecondsPerTick), bytes);
                }
                else
                {
                    Stats[index].RecordTransportError(failure, bytes);
                }

                LastMeasured = ended;
                Volatile.Write(ref _measured, _measured + 1);
                if (failure is not null || status is < 200 or >= 400)
                {
                    Volatile.Write(ref _errors, _errors + 1);
                }
            }
        }
        finally
        {
            perRequest.Dispose();
        }
    }

    /// <summary>Sends one request and reads its whole answer.</summary>
    private async Task<Outcome> SendAsync(HttpRequestMessage request, byte[] buffer, CancellationToken token, CancellationToken stop)
    {
        long bytes = 0;
        try
        {
            using var response = await client.SendAsync(request, token);
            await using var body = await response.Content.ReadAsStreamAsync(token);
            int read;
            while ((read = await body.ReadAsync(buffer, token)) > 0)
            {
                bytes += read;
            }

            return new Outcome((int)response.StatusCode, bytes, null, Stopped: false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return new Outcome(0, bytes, null, Stopped: true);
        }
        catch (OperationCanceledException)
        {
            return new Outcome(0, bytes, RequestStats.Timeout, Stopped: false);
        }
        catch (HttpRequestException ex)
        {
            return new Outcome(0, bytes, ex.HttpRequestError == HttpRequestError.Unknown ? Innermost(ex) : ex.HttpRequestError.ToString(), Stopped: false);
        }
        catch (HttpIOException ex)
        {
            return new Outcome(0, bytes, ex.HttpRequestError == HttpRequestError.Unknown ? Innermost(ex) : ex.HttpRequestError.ToString(), Stopped: false);
        }
        catch (IOException ex)
        {
            return new Outcome(0, bytes, Innermost(ex), Stopped: false);
        }
    }

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex is System.Net.Sockets.SocketException socket ? socket.SocketErrorCode.ToString() : ex.GetType().Name;
    }

    /// <summary>An answer (status and body bytes), a request with no answer (the cause), or a stop.</summary>
    private readonly record struct Outcome(int Status, long Bytes, string? Failure, bool Stopped);
}
