using System.Collections.Frozen;

namespace Resso.Ml.Mixes;

/// <summary>English names of the regions the app serves most, for mix titles such as "Trending in Indonesia".</summary>
public static class CountryNames
{
    // Name, and whether English puts "the" before it in a sentence ("Trending in the Philippines").
    private static readonly FrozenDictionary<string, (string Name, bool Article)> Names = new Dictionary<string, (string, bool)>
    {
        ["AR"] = ("Argentina", false),
        ["AU"] = ("Australia", false),
        ["BR"] = ("Brazil", false),
        ["CA"] = ("Canada", false),
        ["CO"] = ("Colombia", false),
        ["DE"] = ("Germany", false),
        ["EG"] = ("Egypt", false),
        ["ES"] = ("Spain", false),
        ["FR"] = ("France", false),
        ["GB"] = ("United Kingdom", true),
        ["ID"] = ("Indonesia", false),
        ["IN"] = ("India", false),
        ["IT"] = ("Italy", false),
        ["JP"] = ("Japan", false),
        ["KR"] = ("South Korea", false),
        ["MX"] = ("Mexico", false),
        ["MY"] = ("Malaysia", false),
        ["NG"] = ("Nigeria", false),
        ["PH"] = ("Philippines", true),
        ["SA"] = ("Saudi Arabia", false),
        ["TH"] = ("Thailand", false),
        ["TR"] = ("Türkiye", false),
        ["US"] = ("United States", true),
        ["VN"] = ("Vietnam", false),
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The English short name of an ISO 3166-1 alpha-2 code, e.g. "Indonesia"; the code itself (upper case) when it is not in the table.</summary>
    public static string Of(string regionCode)
    {
        ArgumentNullException.ThrowIfNull(regionCode);
        return Names.TryGetValue(regionCode, out var entry) ? entry.Name : regionCode.ToUpperInvariant();
    }

    /// <summary>The name as it reads after a preposition: "the United States", "Indonesia", or the code.</summary>
    public static string InSentence(string regionCode)
    {
        ArgumentNullException.ThrowIfNull(regionCode);
        return Names.TryGetValue(regionCode, out var entry)
            ? (entry.Article ? "the " + entry.Name : entry.Name)
            : regionCode.ToUpperInvariant();
    }
}
