using System.ComponentModel.DataAnnotations;

namespace Resso.Ml.Mixes;

/// <summary>How <see cref="MixBuilder"/> assembles mixes (<c>Resso__Mixes__…</c>).</summary>
public sealed class MixOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:Mixes";

    /// <summary>Tracks per mix.</summary>
    /// <value>30.</value>
    [Range(Mix.MinTracks, Mix.MaxTracks)]
    public int Tracks { get; set; } = 30;

    /// <summary>A mix that cannot reach this many tracks is left out.</summary>
    /// <value>20 (<see cref="Mix.MinTracks"/>); at most <see cref="Tracks"/>.</value>
    [Range(Mix.MinTracks, Mix.MaxTracks)]
    public int MinimumTracks { get; set; } = Mix.MinTracks;

    /// <summary>At most this many tracks of one artist in a mix (the user's own songs in "From your videos" are never dropped, but count).</summary>
    /// <value>2.</value>
    [Range(1, Mix.MaxTracks)]
    public int MaxPerArtist { get; set; } = 2;

    /// <summary>The relevance–diversity trade-off of "For you" (see <see cref="MaximalMarginalRelevance"/>).</summary>
    /// <value>0.9.</value>
    [Range(0.0, 1.0)]
    public double Lambda { get; set; } = MaximalMarginalRelevance.DefaultLambda;

    /// <summary>How many "Because you used" mixes at most.</summary>
    /// <value>3.</value>
    [Range(0, 3)]
    public int BecauseYouUsedMixes { get; set; } = 3;

    /// <summary>A song's significance to the user halves every this many days since they last used it.</summary>
    /// <value>14.</value>
    [Range(0.1, 3650)]
    public double SeedHalfLifeDays { get; set; } = 14;

    /// <summary>"From your videos" opens with at most this many of the user's own songs, the rest being songs like them.</summary>
    /// <value>15.</value>
    [Range(1, Mix.MaxTracks)]
    public int MaxCreatedSongs { get; set; } = 15;

    /// <summary>Leave songs the user already has events with out of "For you" and "Because you used".</summary>
    /// <value>True.</value>
    public bool ExcludeUsedSongs { get; set; } = true;

    /// <summary>Tracks are reordered daily within consecutive bands of this many (the first track stays); 1 turns it off.</summary>
    /// <value>4.</value>
    [Range(1, Mix.MaxTracks)]
    public int ShuffleBand { get; set; } = 4;

    /// <summary>The reasons these options are invalid, if any.</summary>
    internal IEnumerable<string> Errors()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        foreach (var result in results)
        {
            yield return result.ErrorMessage ?? "Invalid mix options.";
        }

        if (MinimumTracks > Tracks)
        {
            yield return $"MinimumTracks ({MinimumTracks}) must not exceed Tracks ({Tracks}).";
        }
    }
}
