using System.Globalization;

namespace Resso.Traffic.Generation;

/// <summary>
/// The shape of a synthetic world and of the traffic drawn from it. The same options and seed give
/// the same world and, for the same clock, the same events.
/// </summary>
public sealed class TrafficOptions
{
    /// <summary>Events to emit, duplicates included.</summary>
    /// <value>10,000.</value>
    public int Events { get; init; } = 10_000;

    /// <summary>The seed of the demo world, the default.</summary>
    public const int DefaultSeed = 42;

    /// <summary>Songs, users and clusters of the demo world, the defaults.</summary>
    public const int DefaultSongs = 2_000, DefaultUsers = 5_000, DefaultClusters = 12;

    /// <summary>Users; ids <c>u_000000</c>… in the demo world, <c>u{namespace}_000000</c>… in another (see <see cref="WorldNamespace"/>).</summary>
    /// <value>5,000.</value>
    public int Users { get; init; } = DefaultUsers;

    /// <summary>Songs; ids <c>s_000000</c>… in the demo world, <c>s{namespace}_000000</c>… in another (see <see cref="WorldNamespace"/>).</summary>
    /// <value>2,000.</value>
    public int Songs { get; init; } = DefaultSongs;

    /// <summary>Taste clusters (genres). Each artist, and so each of its songs, belongs to one.</summary>
    /// <value>12.</value>
    public int Clusters { get; init; } = DefaultClusters;

    /// <summary>Share of emitted events that are exact copies of an earlier one, as a retrying client sends.</summary>
    /// <value>0.10.</value>
    public double DuplicateRate { get; init; } = 0.10;

    /// <summary>Seed of the world (its songs and users) and of the traffic drawn from it.</summary>
    /// <value>42.</value>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>
    /// Which traffic run in the world: each run draws other events, with their own event and video
    /// ids, from the same songs and users. Run 1 is what the demo sends.
    /// </summary>
    /// <value>1.</value>
    public int Run { get; init; } = 1;

    /// <summary>True for the demo world: the default seed and sizes, whose ids carry no namespace.</summary>
    public bool IsDemoWorld => Seed == DefaultSeed && Songs == DefaultSongs && Users == DefaultUsers && Clusters == DefaultClusters;

    /// <summary>
    /// What song and user ids carry after <c>s</c> or <c>u</c>, so that two worlds never share an id:
    /// empty for the demo world (<c>s_000123</c>); the seed for another seed with the default sizes
    /// (<c>s7_000123</c>); the seed, songs, users and clusters for other sizes (<c>s42.500.100.6_000123</c>).
    /// </summary>
    public string WorldNamespace => IsDemoWorld ? ""
        : Songs == DefaultSongs && Users == DefaultUsers && Clusters == DefaultClusters ? Seed.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Seed}.{Songs}.{Users}.{Clusters}");

    /// <summary>
    /// What event and video ids carry between <c>e_</c> or <c>v_</c> and the number: the seed (or the
    /// world's namespace), then <c>r</c> and the run after the first (<c>e_42_0000123</c>, <c>e_42r2_0000123</c>).
    /// </summary>
    public string TrafficNamespace =>
        (IsDemoWorld ? Seed.ToString(CultureInfo.InvariantCulture) : WorldNamespace)
        + (Run == 1 ? "" : "r" + Run.ToString(CultureInfo.InvariantCulture));

    /// <summary>Events happen over the last this many days before the clock's now.</summary>
    /// <value>7.</value>
    public double Days { get; init; } = 7;

    /// <summary>Zipf exponent of song popularity, over all songs and within each cluster.</summary>
    /// <value>1.1.</value>
    public double ZipfExponent { get; init; } = 1.1;

    /// <summary>
    /// Share of new events that use one viral song (<see cref="TrafficGenerator.ViralSong"/>) whatever
    /// the user's taste, as when one song takes over the platform for a few days; 0 for none.
    /// </summary>
    /// <value>0.</value>
    public double ViralShare { get; init; }

    /// <summary>Zipf exponent of user activity: a few users act a lot, most rarely.</summary>
    /// <value>0.8.</value>
    public double UserActivityExponent { get; init; } = 0.8;

    /// <summary>Probability that a user's song comes from one of their favourite clusters (else from the global chart).</summary>
    /// <value>0.8.</value>
    public double FavouriteClusterShare { get; init; } = 0.8;

    /// <summary>Share of users who create videos.</summary>
    /// <value>0.10.</value>
    public double CreatorShare { get; init; } = 0.10;

    /// <summary>Share of songs that may be played in a few regions only.</summary>
    /// <value>0.10.</value>
    public double RestrictedSongShare { get; init; } = 0.10;

    /// <summary>Share of videos that use the song's hook (with a little jitter) rather than another part.</summary>
    /// <value>0.8.</value>
    public double HookShare { get; init; } = 0.8;

    /// <summary>Relative frequency of each action among new events. Creates are made by creators only.</summary>
    /// <value>create 5, view 70, like 14, favorite 5, share 6.</value>
    public ActionMix Actions { get; init; } = new();

    /// <summary>Problems with these options, one sentence each; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Check(Events >= 0, "Events must be 0 or more.");
        Check(Run >= 1, "Run must be at least 1.");
        Check(Users >= 1, "Users must be at least 1.");
        Check(Songs >= 1, "Songs must be at least 1.");
        Check(Clusters >= 1 && Clusters <= Songs, "Clusters must be between 1 and the number of songs.");
        Check(DuplicateRate is >= 0 and < 1, "DuplicateRate must be at least 0 and below 1.");
        Check(Days is > 0 and <= 365, "Days must be above 0 and at most 365.");
        Check(ZipfExponent is >= 0 and <= 5, "ZipfExponent must be between 0 and 5.");
        Check(ViralShare is >= 0 and <= 0.9, "ViralShare must be between 0 and 0.9.");
        Check(UserActivityExponent is >= 0 and <= 5, "UserActivityExponent must be between 0 and 5.");
        Check(FavouriteClusterShare is >= 0 and <= 1, "FavouriteClusterShare must be between 0 and 1.");
        Check(CreatorShare is >= 0 and <= 1, "CreatorShare must be between 0 and 1.");
        Check(RestrictedSongShare is >= 0 and <= 1, "RestrictedSongShare must be between 0 and 1.");
        Check(HookShare is >= 0 and <= 1, "HookShare must be between 0 and 1.");
        errors.AddRange(Actions.Validate());
        return errors;

        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }
    }

    /// <summary>Throws when <see cref="Validate"/> finds a problem.</summary>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"seed {Seed}{(Run == 1 ? "" : $", run {Run}")}, {Events} events, {Users} users, {Songs} songs, {Clusters} clusters, duplicates {DuplicateRate:0.###}, last {Days:0.##} days");
}

/// <summary>Relative weights of the actions of new events (they need not add up to 1).</summary>
public sealed class ActionMix
{
    /// <value>5.</value>
    public double Create { get; init; } = 5;

    /// <value>70.</value>
    public double View { get; init; } = 70;

    /// <value>14.</value>
    public double Like { get; init; } = 14;

    /// <value>5.</value>
    public double Favorite { get; init; } = 5;

    /// <value>6.</value>
    public double Share { get; init; } = 6;

    internal IEnumerable<string> Validate()
    {
        if (Create < 0 || View < 0 || Like < 0 || Favorite < 0 || Share < 0)
        {
            yield return "Action weights must not be negative.";
        }
        else if (Create + View + Like + Favorite + Share <= 0)
        {
            yield return "At least one action weight must be above 0.";
        }
    }
}
