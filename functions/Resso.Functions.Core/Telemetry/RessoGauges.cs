using System.Diagnostics.Metrics;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using Resso.Ml.Serving;
using Resso.Shared.Storage;
using Resso.Shared.Telemetry;
using I = Resso.Shared.Telemetry.RessoTelemetry.Instruments;

namespace Resso.Functions.Core.Telemetry;

/// <summary>
/// The observable gauges: queue depth, poison messages and the served model's age. A gauge callback
/// never waits for storage: it reports the last sample of the queues' approximate message counts and,
/// when that sample is older than <see cref="SampleInterval"/>, starts a new one in the background.
/// So storage is read only while something collects the gauges, once per interval at most.
/// </summary>
public sealed class RessoGauges : IHostedService
{
    /// <summary>How old a queue sample may be before a collection starts a new one.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan SampleTimeout = TimeSpan.FromSeconds(5);

    private readonly QueueServiceClient _queues;
    private readonly StorageNames _names;
    private readonly ModelHolder _holder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RessoGauges> _logger;
    private QueueSample? _last;
    private int _sampling;

    /// <summary>Creates the gauges on the app's meter.</summary>
    public RessoGauges(RessoMetrics metrics, QueueServiceClient queues, StorageNames names, ModelHolder holder, TimeProvider timeProvider, ILogger<RessoGauges> logger)
    {
        (_queues, _names, _holder, _timeProvider, _logger) = (queues, names, holder, timeProvider, logger);
        metrics.Meter.CreateObservableGauge(I.QueueDepth, ObserveDepth, "{message}", "Approximate messages waiting in a queue (sampled).");
        metrics.Meter.CreateObservableGauge(I.PoisonMessages, ObservePoison, "{message}", "Approximate messages in a queue's poison queue (sampled).");
        metrics.Meter.CreateObservableGauge(I.ModelAge, ObserveModelAge, "s", "Age of the model this instance serves, since its training finished.");
    }

    /// <summary>When the last queue sample was taken, or null before the first (for tests and diagnostics).</summary>
    public DateTimeOffset? SampledAt => Volatile.Read(ref _last)?.At;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private IEnumerable<Measurement<long>> ObserveDepth()
    {
        var sample = CurrentSample();
        return sample is null ? [] :
        [
            new(sample.SongUsed, new KeyValuePair<string, object?>(RessoTelemetry.Tags.Queue, _names.SongUsedQueue)),
            new(sample.ModelRetrain, new KeyValuePair<string, object?>(RessoTelemetry.Tags.Queue, _names.ModelRetrainQueue)),
        ];
    }

    private IEnumerable<Measurement<long>> ObservePoison()
    {
        var sample = CurrentSample();
        return sample is null ? [] :
        [
            new(sample.SongUsedPoison, new KeyValuePair<string, object?>(RessoTelemetry.Tags.Queue, _names.SongUsedQueue)),
            new(sample.ModelRetrainPoison, new KeyValuePair<string, object?>(RessoTelemetry.Tags.Queue, _names.ModelRetrainQueue)),
        ];
    }

    private IEnumerable<Measurement<double>> ObserveModelAge() =>
        _holder.Current is { } model
            ? [new(Math.Max(0, (_timeProvider.GetUtcNow() - model.Manifest.CreatedAt).TotalSeconds))]
            : [];

    private QueueSample? CurrentSample()
    {
        var last = Volatile.Read(ref _last);
        if ((last is null || _timeProvider.GetUtcNow() - last.At >= SampleInterval) && Interlocked.CompareExchange(ref _sampling, 1, 0) == 0)
        {
            // Off the collecting thread: the exporter's collection never waits for storage.
            _ = Task.Run(SampleAsync);
        }

        return last;
    }

    private async Task SampleAsync()
    {
        // The sampling's own storage calls are not the app's work: no spans for them.
        using var suppress = SuppressInstrumentationScope.Begin();
        try
        {
            using var timeout = new CancellationTokenSource(SampleTimeout, _timeProvider);
            var counts = await Task.WhenAll(
                CountAsync(_names.SongUsedQueue, timeout.Token),
                CountAsync(_names.ModelRetrainQueue, timeout.Token),
                CountAsync(_names.SongUsedPoisonQueue, timeout.Token),
                CountAsync(_names.ModelRetrainPoisonQueue, timeout.Token));
            Volatile.Write(ref _last, new QueueSample(counts[0], counts[1], counts[2], counts[3], _timeProvider.GetUtcNow()));
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
        {
            Log.QueueDepthSampleFailed(_logger, ex);
        }
        finally
        {
            Volatile.Write(ref _sampling, 0);
        }
    }

    private async Task<long> CountAsync(string queue, CancellationToken cancellationToken)
    {
        var properties = await _queues.GetQueueClient(queue).GetPropertiesAsync(cancellationToken);
        return properties.Value.ApproximateMessagesCount;
    }

    private sealed record QueueSample(long SongUsed, long ModelRetrain, long SongUsedPoison, long ModelRetrainPoison, DateTimeOffset At);
}
