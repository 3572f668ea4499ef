using Resso.Functions.Core.Hosting;
using Resso.Shared.Ingestion;

namespace Resso.Functions.Core.Offers;

/// <summary>The segment roll-up timer: on <c>%Resso__Catalog__RollupSchedule%</c>, records each song's most used segment in the catalog.</summary>
public sealed class SegmentRollupTimer(SegmentRollup rollup) : ITimerHandler
{
    /// <summary>The schedule, as the <c>TimerTrigger</c> attribute holds it.</summary>
    public const string ScheduleExpression = "%Resso__Catalog__RollupSchedule%";

    /// <inheritdoc />
    public string Name => "SegmentRollupTimer";

    /// <inheritdoc />
    public string Schedule => ScheduleExpression;

    /// <inheritdoc />
    public Task RunAsync(CancellationToken cancellationToken = default) => rollup.RunAsync(cancellationToken);
}
