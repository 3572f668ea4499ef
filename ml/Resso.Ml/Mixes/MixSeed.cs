using System.Globalization;

namespace Resso.Ml.Mixes;

/// <summary>
/// Stable hashes for the deterministic parts of mixes: FNV-1a over the UTF-16 code units, then the
/// SplitMix64 finaliser. Unlike <see cref="string.GetHashCode()"/> they are the same in every process,
/// so equal inputs give equal mixes on every instance.
/// </summary>
internal static class MixSeed
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    /// <summary>The seed of one user's mixes for one UTC day, model and user state.</summary>
    public static ulong Of(string userId, DateOnly day, string modelVersion, long userState)
    {
        var seed = Hash(0, userId);
        seed = Hash(seed, day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        seed = Hash(seed, modelVersion);
        return Hash(seed, userState.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A well-mixed 64-bit hash of <paramref name="value"/> under <paramref name="seed"/>.</summary>
    public static ulong Hash(ulong seed, string value)
    {
        var hash = Offset ^ seed;
        foreach (var c in value)
        {
            hash = (hash ^ c) * Prime;
        }

        // The length ends the value, so that ("ab", "c") and ("a", "bc") chain to different seeds.
        hash = (hash ^ (ulong)value.Length) * Prime;
        return Finalise(hash);
    }

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
