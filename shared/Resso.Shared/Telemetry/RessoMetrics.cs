using System.Diagnostics.Metrics;
using I = Resso.Shared.Telemetry.RessoTelemetry.Instruments;

namespace Resso.Shared.Telemetry;

/// <summary>
/// The instruments of the <see cref="RessoTelemetry.Name"/> meter, created once per container on a
/// meter owned by its <see cref="IMeterFactory"/>. Recording costs next to nothing when no exporter listens.
/// </summary>
public sealed class RessoMetrics
{
    /// <summary>Creates the instruments.</summary>
    public RessoMetrics(IMeterFactory meterFactory)
    {
#pragma warning disable CA2000 // the factory owns the meters it creates and disposes them with the container
        Meter = meterFactory.Create(new MeterOptions(RessoTelemetry.Name) { Version = RessoTelemetry.Version });
#pragma warning restore CA2000
        EventsAccepted = Meter.CreateCounter<long>(I.EventsAccepted, "{event}", "Events accepted by POST /api/events and enqueued.");
        EventsCounted = Meter.CreateCounter<long>(I.EventsCounted, "{event}", "Distinct events counted into interactions (exactly once).");
        EventsDuplicates = Meter.CreateCounter<long>(I.EventsDuplicates, "{event}", "Valid events already counted by another message.");
        EventsRejected = Meter.CreateCounter<long>(I.EventsRejected, "{event}", "Invalid events sent to the poison queue by the processor.");
        EventsLag = Meter.CreateHistogram(I.EventsLag, "s", "From the message's insertion into song-used to its events being counted.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600] });
        QueuePolls = Meter.CreateCounter<long>(I.QueuePolls, "{request}", "Receive calls made to a queue by the self-host's listeners.");
        QueueMessages = Meter.CreateCounter<long>(I.QueueMessages, "{message}", "Messages handled by the self-host's listeners, by outcome: completed, retried or poisoned.");
        OffersServed = Meter.CreateCounter<long>(I.OffersServed, "{offer}", "Offers served, by kind.");
        LinksFollowed = Meter.CreateCounter<long>(I.LinksFollowed, "{follow}", "Signed links followed, by destination.");
        Claims = Meter.CreateCounter<long>(I.Claims, "{claim}", "Claim code redemptions, by outcome.");
        Conversions = Meter.CreateCounter<long>(I.Conversions, "{conversion}", "Conversions recorded (repeats excluded), attributed or not.");
        TrainingDuration = Meter.CreateHistogram(I.TrainingDuration, "s", "Training runs that trained a candidate, by publish outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400] });
        RankingDuration = Meter.CreateHistogram(I.RankingDuration, "s", "Computing a ranking answer, by route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
    }

    /// <summary>The meter, for the observable gauges of the components that own their values.</summary>
    public Meter Meter { get; }

    /// <summary>Events accepted over HTTP.</summary>
    public Counter<long> EventsAccepted { get; }

    /// <summary>Distinct events counted.</summary>
    public Counter<long> EventsCounted { get; }

    /// <summary>Duplicates skipped.</summary>
    public Counter<long> EventsDuplicates { get; }

    /// <summary>Invalid events rejected by the processor.</summary>
    public Counter<long> EventsRejected { get; }

    /// <summary>Enqueue-to-counted lag, seconds, one measurement per counted event.</summary>
    public Histogram<double> EventsLag { get; }

    /// <summary>Receive calls of the self-host's listeners.</summary>
    public Counter<long> QueuePolls { get; }

    /// <summary>Messages handled by the self-host's listeners.</summary>
    public Counter<long> QueueMessages { get; }

    /// <summary>Offers served.</summary>
    public Counter<long> OffersServed { get; }

    /// <summary>Links followed.</summary>
    public Counter<long> LinksFollowed { get; }

    /// <summary>Claim redemptions.</summary>
    public Counter<long> Claims { get; }

    /// <summary>Conversions recorded.</summary>
    public Counter<long> Conversions { get; }

    /// <summary>Training duration, seconds.</summary>
    public Histogram<double> TrainingDuration { get; }

    /// <summary>Ranking latency, seconds.</summary>
    public Histogram<double> RankingDuration { get; }
}
