using System.Diagnostics.Metrics;

namespace Resso.Shared.Ingestion;

/// <summary>Counters of event ingestion (meter <c>Resso.Ingestion</c>).</summary>
public sealed class IngestionMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Resso.Ingestion";

    /// <summary>Creates the counters on a meter owned by <paramref name="meterFactory"/>.</summary>
    public IngestionMetrics(IMeterFactory meterFactory)
    {
#pragma warning disable CA2000 // the factory owns the meters it creates and disposes them with the container
        var meter = meterFactory.Create(MeterName);
#pragma warning restore CA2000
        Accepted = meter.CreateCounter<long>("resso.events.accepted", description: "Events accepted by POST /api/events and enqueued.");
        Counted = meter.CreateCounter<long>("resso.events.counted", description: "Distinct events counted into interactions.");
        Duplicates = meter.CreateCounter<long>("resso.events.duplicates", description: "Valid events already counted by another message.");
        Rejected = meter.CreateCounter<long>("resso.events.rejected", description: "Invalid events sent to the poison queue by the processor.");
    }

    /// <summary>Events accepted over HTTP.</summary>
    public Counter<long> Accepted { get; }

    /// <summary>Distinct events counted.</summary>
    public Counter<long> Counted { get; }

    /// <summary>Duplicates skipped.</summary>
    public Counter<long> Duplicates { get; }

    /// <summary>Invalid events rejected by the processor.</summary>
    public Counter<long> Rejected { get; }
}
