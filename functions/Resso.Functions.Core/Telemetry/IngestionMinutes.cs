using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Resso.Shared.Telemetry;

namespace Resso.Functions.Core.Telemetry;

/// <summary>Events of one kind of ingestion outcome.</summary>
/// <param name="Accepted">Accepted by <c>POST /api/events</c> and enqueued.</param>
/// <param name="Counted">Distinct events counted into interactions.</param>
/// <param name="Duplicates">Valid events another message had already counted.</param>
/// <param name="Rejected">Invalid events sent to the poison queue by the processor.</param>
public sealed record IngestionCounts(long Accepted, long Counted, long Duplicates, long Rejected);

/// <summary>One minute of this instance's ingestion.</summary>
/// <param name="At">The minute's start, UTC.</param>
/// <param name="Accepted">Accepted by <c>POST /api/events</c> and enqueued.</param>
/// <param name="Counted">Distinct events counted into interactions.</param>
/// <param name="Duplicates">Valid events another message had already counted.</param>
/// <param name="Rejected">Invalid events sent to the poison queue by the processor.</param>
public sealed record IngestionMinute(DateTimeOffset At, long Accepted, long Counted, long Duplicates, long Rejected);

/// <summary>What <c>GET /api/metrics/ingestion</c> shows: one instance's ingestion per minute.</summary>
/// <param name="Instance">The instance that answered (its counts are its own).</param>
/// <param name="Since">When this instance started counting; minutes before it are zeros.</param>
/// <param name="Minutes">Every minute of the window, oldest first, the current (partial) minute last.</param>
/// <param name="Totals">The minutes' sums.</param>
public sealed record IngestionReport(string Instance, DateTimeOffset Since, IReadOnlyList<IngestionMinute> Minutes, IngestionCounts Totals);

/// <summary>
/// This instance's ingestion counters (<see cref="RessoMetrics.EventsAccepted"/>, <see cref="RessoMetrics.EventsCounted"/>,
/// <see cref="RessoMetrics.EventsDuplicates"/>, <see cref="RessoMetrics.EventsRejected"/>) per minute over the last
/// <see cref="Capacity"/> minutes, read with a <see cref="MeterListener"/> from the moment it is created (a hosted
/// service, so at host start). A ring of one-minute buckets; recording is lock-free.
/// </summary>
public sealed class IngestionMinutes : IHostedService, IDisposable
{
    /// <summary>How many minutes are kept.</summary>
    public const int Capacity = 60;

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _timeProvider;
    private readonly Bucket?[] _ring = new Bucket?[Capacity];
    private readonly MeterListener _listener;

    /// <summary>Starts listening to the four ingestion counters of <paramref name="metrics"/>.</summary>
    public IngestionMinutes(RessoMetrics metrics, TimeProvider timeProvider, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(configuration);
        _timeProvider = timeProvider;
        Since = timeProvider.GetUtcNow();

        // Azure names each instance of an app; elsewhere the machine is the instance.
        Instance = configuration["WEBSITE_INSTANCE_ID"] is { Length: > 0 } instance ? instance : Environment.MachineName;

        // This container's instruments only: several hosts in one process (tests) share the meter's
        // name, and each must count its own events.
        Instrument[] instruments = [metrics.EventsAccepted, metrics.EventsCounted, metrics.EventsDuplicates, metrics.EventsRejected];
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RessoTelemetry.Name && Array.IndexOf(instruments, instrument) is var kind and >= 0)
                {
                    listener.EnableMeasurementEvents(instrument, kind);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, state) => Record((int)state!, value));
        _listener.Start();
    }

    /// <summary>This instance's name: <c>WEBSITE_INSTANCE_ID</c> under Azure, otherwise the machine's name.</summary>
    public string Instance { get; }

    /// <summary>When counting started.</summary>
    public DateTimeOffset Since { get; }

    /// <summary>The last <paramref name="minutes"/> minutes (1 to <see cref="Capacity"/>), oldest first, the current one last; zeros where nothing happened.</summary>
    public IngestionReport Read(int minutes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, Capacity);
        var now = MinuteOf(_timeProvider.GetUtcNow());
        var list = new IngestionMinute[minutes];
        long accepted = 0, counted = 0, duplicates = 0, rejected = 0;
        for (var i = 0; i < minutes; i++)
        {
            var minute = now - (minutes - 1 - i);
            var at = DateTimeOffset.UnixEpoch + (Minute * minute);
            var bucket = Volatile.Read(ref _ring[Slot(minute)]);
            list[i] = bucket is not null && bucket.Minute == minute
                ? new IngestionMinute(at, Interlocked.Read(ref bucket.Counts[0]), Interlocked.Read(ref bucket.Counts[1]), Interlocked.Read(ref bucket.Counts[2]), Interlocked.Read(ref bucket.Counts[3]))
                : new IngestionMinute(at, 0, 0, 0, 0);
            accepted += list[i].Accepted;
            counted += list[i].Counted;
            duplicates += list[i].Duplicates;
            rejected += list[i].Rejected;
        }

        return new IngestionReport(Instance, Since, list, new IngestionCounts(accepted, counted, duplicates, rejected));
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Record(int kind, long value)
    {
        var minute = MinuteOf(_timeProvider.GetUtcNow());
        ref var slot = ref _ring[Slot(minute)];
        var bucket = Volatile.Read(ref slot);
        while (bucket is null || bucket.Minute != minute)
        {
            if (bucket is not null && bucket.Minute > minute)
            {
                // The clock stepped back across a minute: the slot is a newer minute's.
                return;
            }

            // The slot still holds a minute an hour old (or none): the first recorder of this minute replaces it.
            var fresh = new Bucket(minute);
            var seen = Interlocked.CompareExchange(ref slot, fresh, bucket);
            bucket = ReferenceEquals(seen, bucket) ? fresh : seen;
        }

        Interlocked.Add(ref bucket.Counts[kind], value);
    }

    private static long MinuteOf(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks / Minute.Ticks;

    private static int Slot(long minute) => (int)(minute % Capacity);

    private sealed class Bucket(long minute)
    {
        public long Minute { get; } = minute;

        // Accepted, counted, duplicates, rejected: the index each instrument was enabled with.
        public long[] Counts { get; } = new long[4];
    }
}
