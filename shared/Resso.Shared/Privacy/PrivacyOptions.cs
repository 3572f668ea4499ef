using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Resso.Shared.Ingestion;

namespace Resso.Shared.Privacy;

/// <summary>Retention of raw events and the erasure markers' refresh (section <c>Resso:Privacy</c>).</summary>
public sealed class PrivacyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:Privacy";

    /// <summary>
    /// How long raw events are kept: event-log blobs by the hour they were written, counted-event rows
    /// by when the event occurred. Training reads the counted events, so this is also the longest
    /// history a model learns from.
    /// </summary>
    /// <value>400 days.</value>
    [Range(typeof(TimeSpan), "31.00:00:00", "3650.00:00:00", ErrorMessage = "Resso__Privacy__EventRetention must be a duration from 31.00:00:00 to 3650.00:00:00.")]
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>
    /// How often every instance reads the erasure markers. The event processor reads them itself when
    /// its copy is older than twice this, and an erasure waits that long (plus a margin) before its
    /// second sweep.
    /// </summary>
    /// <value>5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Resso__Privacy__MarkerPollInterval must be a duration from 00:00:00.100 to 00:01:00.")]
    public TimeSpan MarkerPollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

[OptionsValidator]
internal sealed partial class PrivacyOptionsValidator : IValidateOptions<PrivacyOptions>;

/// <summary>
/// Retention must outlast the oldest event ingestion accepts plus a queue message's life: a counted
/// event's row is also its exactly-once marker, and a client's retry of an event whose row is gone
/// would be counted again.
/// </summary>
internal sealed class PrivacyRetentionValidator(IOptions<IngestionOptions> ingestion) : IValidateOptions<PrivacyOptions>
{
    public ValidateOptionsResult Validate(string? name, PrivacyOptions options)
    {
        var floor = ingestion.Value.MaxEventAge + ErasureMarkers.QueueMessageLifetime;
        return options.EventRetention >= floor
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Resso__Privacy__EventRetention ({options.EventRetention}) must be at least Resso__Ingestion__MaxEventAge plus a queue message's life ({floor}): a retried event older than the retention would be counted again.");
    }
}
