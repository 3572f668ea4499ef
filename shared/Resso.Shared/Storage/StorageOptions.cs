using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Resso.Shared.Storage;

/// <summary>Where the app keeps its data inside the storage account, and how long a request waits for it.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section (<c>Resso__Storage__…</c> as app settings).</summary>
    public const string SectionName = "Resso:Storage";

    /// <summary>
    /// Prepended to every table, queue and container name, so that several deployments or test
    /// runs can share one account without seeing each other's data.
    /// </summary>
    /// <value>Empty: the names of <see cref="StorageNames"/> as they are.</value>
    [RegularExpression(@"^([a-z][a-z0-9]{0,11})?\z", ErrorMessage = "Resso__Storage__Prefix must be empty or 1–12 lowercase letters and digits, starting with a letter.")]
    public string Prefix { get; set; } = "";

    /// <summary>
    /// How long an HTTP request waits for storage (<see cref="StorageGuard"/>) before it answers
    /// <c>503</c> or its route's fallback. The storage client's own network timeout and retries
    /// take up to two minutes against a server that accepts connections but never answers; a
    /// caller should not wait that long.
    /// </summary>
    /// <value>10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:02:00", ErrorMessage = "Resso__Storage__RequestTimeout must be a duration from 00:00:00.100 to 00:02:00.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The queue the song-used trigger listens on, <see cref="Prefix"/> + <c>song-used</c>. The
    /// Functions host resolves a queue trigger's name from app settings before the app starts, so
    /// it cannot add the prefix itself: the Azure Functions app requires this setting and checks
    /// that it is the name it sends to; the self-host derives the name and does not read it.
    /// </summary>
    /// <value>Empty: not set.</value>
    public string SongUsedQueue { get; set; } = "";

    /// <summary>The queue the retrain trigger listens on, <see cref="Prefix"/> + <c>model-retrain</c> (as <see cref="SongUsedQueue"/>).</summary>
    /// <value>Empty: not set.</value>
    public string ModelRetrainQueue { get; set; } = "";

    /// <summary>
    /// The binding expression of the song-used queue trigger: the configuration key of
    /// <see cref="SongUsedQueue"/> (<c>%name%</c> is looked up as a configuration key, where the app
    /// setting <c>Resso__Storage__SongUsedQueue</c> is <c>Resso:Storage:SongUsedQueue</c>).
    /// </summary>
    public const string SongUsedQueueExpression = "%Resso:Storage:SongUsedQueue%";

    /// <summary>The binding expression of the retrain queue trigger (as <see cref="SongUsedQueueExpression"/>).</summary>
    public const string ModelRetrainQueueExpression = "%Resso:Storage:ModelRetrainQueue%";
}

[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
