using Resso.Functions.Core.Hosting;
using Resso.Ml.Mixes;
using Resso.Ml.Pipeline;
using Resso.Shared.Ingestion;
using Microsoft.Extensions.Options;

namespace Resso.Functions.Core.Listeners;

/// <summary>What one catalog roll-up did (<c>POST /api/catalog/rollup</c> answers it).</summary>
/// <param name="Songs">Songs looked at: those in the last week's statistics or in any counted event.</param>
/// <param name="Segments">Songs whose most used segment was written.</param>
/// <param name="Neighbours">Songs given co-occurrence neighbours.</param>
/// <param name="DurationMs">How long the roll-up took, in milliseconds.</param>
public sealed record CatalogRollupResult(int Songs, int Segments, int Neighbours, int DurationMs);

/// <summary>
/// The catalog roll-up timer (app setting <c>Resso__Catalog__RollupSchedule</c>, hourly): records each song's
/// most used segment (for offers) and its co-occurrence neighbours (similar songs for songs the
/// model does not know yet) in the catalog, then publishes a new compact snapshot of the catalog
/// (<see cref="CatalogSnapshotStore"/>), which every instance swaps to within seconds, this one at
/// once. One roll-up runs at a time on an instance.
/// </summary>
public sealed class CatalogRollupTimer(
    SegmentRollup segments,
    InteractionStore interactions,
    SongCatalog catalog,
    CatalogSnapshot snapshot,
    CatalogSnapshotStore snapshots,
    IOptions<IngestionOptions> ingestion,
    IOptions<RecommenderOptions> recommender,
    TimeProvider timeProvider) : ITimerHandler, IDisposable
{
    /// <summary>The schedule, as the <c>TimerTrigger</c> attribute holds it (a configuration key, as <see cref="Model.RetrainTimer.ScheduleExpression"/>).</summary>
    public const string ScheduleExpression = "%Resso:Catalog:RollupSchedule%";

    /// <summary>Neighbours kept per song.</summary>
    public const int Neighbours = 20;

    /// <summary>How long change rows of the catalog are kept: they only carry a change to other instances' snapshots.</summary>
    public static readonly TimeSpan ChangesKept = TimeSpan.FromDays(1);

    private readonly SemaphoreSlim _running = new(1, 1);

    /// <inheritdoc />
    public string Name => "CatalogRollupTimer";

    /// <inheritdoc />
    public string Schedule => ScheduleExpression;

    /// <inheritdoc />
    public void Dispose() => _running.Dispose();

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        // The schedule's run waits for one asked for over HTTP rather than being lost.
        await _running.WaitAsync(cancellationToken);
        try
        {
            await RollUpAsync(cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>Runs the roll-up now, unless one is running on this instance: then null at once.</summary>
    public async Task<CatalogRollupResult?> TryRunAsync(CancellationToken cancellationToken = default)
    {
        if (!await _running.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            return null;
        }

        try
        {
            return await RollUpAsync(cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<CatalogRollupResult> RollUpAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var segmentResult = await segments.RunWithSongsAsync(cancellationToken);
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

        // A new compact snapshot: every instance swaps to it within seconds (and drops its cached
        // entries, whose segments and neighbours are now old); this one now, so that its next answer shows the roll-up.
        await snapshots.PublishAsync(cancellationToken: cancellationToken);
        await snapshot.RefreshAsync(cancellationToken);
        await catalog.DeleteChangesBeforeAsync(timeProvider.GetUtcNow() - ChangesKept, cancellationToken);

        var songs = segmentResult.Songs.Concat(events.Select(e => e.SongId)).Distinct(StringComparer.Ordinal).Count();
        return new CatalogRollupResult(songs, segmentResult.Segments, neighbours.Count(n => n.Value.Count > 0), (int)timeProvider.GetElapsedTime(started).TotalMilliseconds);
    }
}
