using System.Diagnostics.CodeAnalysis;

namespace Resso.Shared;

/// <summary>
/// The id rule of every API, in one place: 1–64 characters of <c>[A-Za-z0-9_.:-]</c>, other than
/// <c>.</c> and <c>..</c>. Such an id is a valid Azure Table key, needs no escaping in a URL path,
/// a query or a link, and never holds the <c>|</c> that joins ids inside table keys.
/// </summary>
/// <remarks>
/// A character loop rather than a regular expression: <c>$</c> in .NET also matches before a final
/// <c>\n</c>, which let <c>"u_1\n"</c> through to storage, where Tables refuse it as a key.
/// <c>.</c> and <c>..</c> are refused because URL normalisation (RFC 3986 §5.2.4) drops such a path
/// segment before routing: the id could be stored but never addressed in a path, and the app and
/// web-player links built from it would open another page.
/// </remarks>
public static class Ids
{
    /// <summary>The longest id.</summary>
    public const int MaxLength = 64;

    /// <summary>The accepted form as an API states it after "must be" or "is required:", without a final full stop.</summary>
    public const string Form = "1–64 " + Characters;

    /// <summary>The rule as an API states it after a field name, without a final full stop.</summary>
    public const string Rule = "must be " + Form;

    /// <summary>What an API says of a missing id field.</summary>
    public const string Required = "is required: " + Form + ".";

    /// <summary>What an API says of a field whose id breaks the rule: <see cref="Rule"/> as a sentence.</summary>
    public const string Problem = Rule + ".";

    private const string Characters = "characters of A–Z, a–z, 0–9, '_', '.', ':' or '-', and not '.' or '..'";

    /// <summary>
    /// True when <paramref name="value"/> is 1 to <paramref name="maxLength"/> characters of
    /// <c>[A-Za-z0-9_.:-]</c> and neither <c>.</c> nor <c>..</c>.
    /// </summary>
    public static bool IsValid([NotNullWhen(true)] string? value, int maxLength = MaxLength)
    {
        if (value is null || value.Length == 0 || value.Length > maxLength || value is "." or "..")
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!IsIdChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The rule for ids of at most <paramref name="maxLength"/> characters, as <see cref="Rule"/> states it.</summary>
    public static string RuleFor(int maxLength) => $"must be 1–{maxLength} {Characters}";

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-';
}
