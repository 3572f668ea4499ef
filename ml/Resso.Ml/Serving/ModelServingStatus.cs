namespace Resso.Ml.Serving;

/// <summary>What this instance serves against what is published, as of its last look at the <c>current</c> pointer.</summary>
/// <param name="Checked">The pointer has been looked at since start-up (false until storage first answers).</param>
/// <param name="Current">The version <c>current.json</c> names; null when nothing is published or the pointer is unreadable.</param>
/// <param name="Serving">The version this instance serves; null before one is loaded.</param>
/// <param name="Reason">Why the published model is not the one served (it, or the pointer, cannot be read); null when it is.</param>
public sealed record ModelServingStatus(bool Checked, string? Current, string? Serving, string? Reason)
{
    /// <summary>Before the first look at the pointer.</summary>
    public static readonly ModelServingStatus NotChecked = new(false, null, null, null);

    /// <summary>The published model cannot be served: this instance serves an older one, or none.</summary>
    public bool IsDegraded => Reason is not null;

    /// <summary>The reason when <c>current.json</c> exists but is not a pointer.</summary>
    public static string PointerUnreadable(InvalidDataException exception) => $"current.json is unreadable: {exception.Message}";

    /// <summary>The reason when the version <paramref name="version"/> (manifest or factors) cannot be loaded.</summary>
    public static string ModelUnreadable(string version, InvalidDataException exception) => $"model {version} is unreadable: {exception.Message}";
}
