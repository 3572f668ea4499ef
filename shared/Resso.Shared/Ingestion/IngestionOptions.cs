using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Resso.Shared.Events;

namespace Resso.Shared.Ingestion;

/// <summary>Limits and weights of event ingestion (<c>Resso__Ingestion__…</c>).</summary>
public sealed class IngestionOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:Ingestion";

    /// <summary>Most events in one <c>POST /api/events</c>.</summary>
    /// <value>500.</value>
    [Range(1, 5000)]
    public int MaxEventsPerRequest { get; set; } = 500;

    /// <summary>Largest request body accepted, in bytes; beyond it the answer is 413.</summary>
    /// <value>1 MiB: 500 events of the largest valid size fit.</value>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>How old an event may be. Older ones are refused, which also bounds how long duplicates must be recognised.</summary>
    /// <value>30 days.</value>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How far in the future an event's time may be (client clocks drift).</summary>
    /// <value>5 minutes.</value>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Partitions of the interactions table. Users are spread over them by a stable hash, so a
    /// message's events need few entity-group transactions. Each partition takes about 2,000
    /// entities/s in Azure Table Storage, so 8 allow 16,000 events/s, near a storage account's
    /// 20,000 entities/s. Fixed for the life of the data: changing it hides existing rows.
    /// </summary>
    /// <value>8.</value>
    [Range(1, 1024)]
    public int UserPartitions { get; set; } = 8;

    /// <summary>Shards of each day's song statistics (spread by message).</summary>
    /// <value>8.</value>
    [Range(1, 64)]
    public int StatsShards { get; set; } = 8;

    /// <summary>Implicit-feedback weight of each action: create &gt; share &gt; like &gt; favorite &gt; view.</summary>
    [ValidateObjectMembers]
    public ActionWeights Weights { get; set; } = new();
}

/// <summary>Weights per action; a creator using a song says most, a view least.</summary>
public sealed class ActionWeights
{
    /// <value>5.</value>
    [Range(0, 100)]
    public double Create { get; set; } = 5;

    /// <value>4.</value>
    [Range(0, 100)]
    public double Share { get; set; } = 4;

    /// <value>3.</value>
    [Range(0, 100)]
    public double Like { get; set; } = 3;

    /// <value>2.</value>
    [Range(0, 100)]
    public double Favorite { get; set; } = 2;

    /// <value>1.</value>
    [Range(0, 100)]
    public double View { get; set; } = 1;

    /// <summary>The weight of <paramref name="action"/>.</summary>
    public double Of(SongAction action) => action switch
    {
        SongAction.Create => Create,
        SongAction.Share => Share,
        SongAction.Like => Like,
        SongAction.Favorite => Favorite,
        _ => View,
    };
}

[OptionsValidator]
internal sealed partial class IngestionOptionsValidator : IValidateOptions<IngestionOptions>;
