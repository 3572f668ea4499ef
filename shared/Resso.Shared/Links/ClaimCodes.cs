using System.Security.Cryptography;

namespace Resso.Shared.Links;

/// <summary>
/// Short codes for deferred deep links: the store redirect carries one, and the freshly installed
/// app redeems it (<c>POST /api/claims/{code}</c>) for the song, start offset and offer. Ten
/// characters of a 32-letter alphabet without <c>0</c>, <c>O</c>, <c>1</c> or <c>I</c>: 50 random bits,
/// easy to read aloud and safe in URLs and table keys.
/// </summary>
public static class ClaimCodes
{
    /// <summary>The characters of a code: digits 2–9 and upper-case letters except I and O.</summary>
    public const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    /// <summary>The length of a code.</summary>
    public const int Length = 10;

    /// <summary>A new code from the cryptographic random number generator.</summary>
    public static string New() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>True when <paramref name="code"/> is exactly <see cref="Length"/> characters of <see cref="Alphabet"/> (upper case).</summary>
    public static bool IsWellFormed(string? code) =>
        code is { Length: Length } && !code.AsSpan().ContainsAnyExcept(Alphabet);
}
