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

    /// <summary>
    /// What an API says of a value that is not a code, even once <see cref="Normalize"/> has forgiven
    /// case and separators.
    /// </summary>
    public const string Problem = "must be 10 characters of " + Alphabet + " (case, and spaces or hyphens between them, do not matter), e.g. 7KQ2M9XHPA.";

    /// <summary>A new code from the cryptographic random number generator.</summary>
    public static string New() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>True when <paramref name="code"/> is exactly <see cref="Length"/> characters of <see cref="Alphabet"/> (upper case).</summary>
    public static bool IsWellFormed(string? code) =>
        code is { Length: Length } && !code.AsSpan().ContainsAnyExcept(Alphabet);

    /// <summary>
    /// The code a person typed, as it was issued: letters in upper case, white space around it and
    /// spaces or hyphens between characters dropped; null when it is not a code even so.
    /// </summary>
    /// <remarks>
    /// The alphabet has no lower-case letters, no space and no hyphen, so none of these can make one
    /// code read as another: <c>7kq2-m9xh pa</c> can only mean <c>7KQ2M9XHPA</c>. The look-alikes the
    /// alphabet leaves out (<c>0</c>, <c>O</c>, <c>1</c>, <c>I</c>) are not mapped: no code holds any of
    /// them, so there is nothing they could stand for. Only ASCII letters are upper-cased: in the
    /// invariant culture <c>ſ</c> would become <c>S</c> and <c>ı</c> become <c>I</c>.
    /// </remarks>
    public static string? Normalize(string? typed)
    {
        if (typed is null)
        {
            return null;
        }

        Span<char> code = stackalloc char[Length];
        var count = 0;
        foreach (var c in typed.AsSpan().Trim())
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            var upper = char.IsAsciiLetterLower(c) ? (char)(c - ('a' - 'A')) : c;
            if (count == Length || !Alphabet.Contains(upper, StringComparison.Ordinal))
            {
                return null;
            }

            code[count++] = upper;
        }

        return count == Length ? new string(code) : null;
    }
}
