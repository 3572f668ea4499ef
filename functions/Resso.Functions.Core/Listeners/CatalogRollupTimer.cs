using Resso.Functions.Core.Hosting;
using Resso.Ml.Mixes;
using Resso.Ml.Pipeline;
using Resso.Shared.Ingestion;
using Microsoft.Extensions.Options;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// The catalog roll-up timer (app setting <c>Resso__Catalog__RollupSchedule</c>, hourly): records each song's
/// most used segment (for offers) and its co-occurrence neighbours (similar songs for songs the
/// model does not know yet) in the catalog.
/// </summary>
public sealed class CatalogRollupTimer(
    SegmentRollup segments,
    InteractionStore interactions,
    SongCatalog catalog,
    IOptions<IngestionOptions> ingestion,
    IOptions<RecommenderOptions> recommender,
    TimeProvider timeProvider) : ITimerHandler
{
    /// <summary>The schedule, as the <c>TimerTrigger</c> attribute holds it (a configuration key, as <see cref="Model.RetrainTimer.ScheduleExpression"/>).</summary>
    public const string ScheduleExpression = "%Resso:Catalog:RollupSchedule%";

    /// <summary>Neighbours kept per song.</summary>
    public const int Neighbours = 20;

    /// <inheritdoc />
    public string Name => "CatalogRollupTimer";

    /// <inheritdoc />
    public string Schedule => ScheduleExpression;

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await segments.RunAsync(cancellationToken);
        var events = new List<Resso.Shared.Events.SongUsedEvent>();
        await foreach (var e in interactions.ReadAllEventsAsync(cancellationToken))
        {
            events.Add(e);
        }

        var weights = InteractionWeighting.Weigh(events, ingestion.Value.Weights, recommender.Value.RecencyHalfLifeDays, timeProvider.GetUtcNow());
        var neighbours = CoOccurrence.Compute(weights.Select(w => (w.Key.UserId, w.Key.SongId, w.Value)), Neighbours);
        await catalog.SetNeighboursAsync(
            neighbours.ToDictionary(n => n.Key, n => (IReadOnlyList<KeyValuePair<string, double>>)[.. n.Value.Select(s => new KeyValuePair<string, double>(s.SongId, s.Score))]),
            cancellationToken);
    }
}
