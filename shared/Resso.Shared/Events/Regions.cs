using System.Collections.Frozen;

namespace Resso.Shared.Events;

/// <summary>ISO 3166-1 alpha-2 country codes (officially assigned), the region format of every API.</summary>
public static class Regions
{
    private static readonly FrozenSet<string> Assigned = """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
        CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
        GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO
        JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR
        MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
        RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
        TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The accepted form, as every API states it after "must be" or "is required:".</summary>
    public const string Form = "an ISO 3166-1 alpha-2 country code in upper case, e.g. ID";

    /// <summary>True for an officially assigned code in upper case, e.g. <c>ID</c>.</summary>
    public static bool IsValid(string? region) => region is { Length: 2 } && Assigned.Contains(region);

    /// <summary>
    /// What an API says of a region field holding <paramref name="region"/> (null or empty: the field
    /// is missing), or null when it is valid. The one wording of every route, so that each says what
    /// is wrong: missing, lower case (naming the code meant), unassigned, or not a code at all.
    /// </summary>
    /// <remarks>
    /// A lower-case code is refused, not upper-cased: no route normalises regions, and the value is
    /// used as given in table keys, link tokens and reports. Only two ASCII letters are echoed back,
    /// so the message never carries what a caller sent beyond that.
    /// </remarks>
    public static string? Problem(string? region)
    {
        if (string.IsNullOrEmpty(region))
        {
            return $"is required: {Form}.";
        }

        if (IsValid(region))
        {
            return null;
        }

        if (region.Length != 2 || !char.IsAsciiLetter(region[0]) || !char.IsAsciiLetter(region[1]))
        {
            return $"must be {Form}.";
        }

        // ToUpperInvariant of two ASCII letters is ASCII: no other script's letter can become a code here.
        var upper = region.ToUpperInvariant();
        return Assigned.Contains(upper)
            ? $"must be in upper case: '{upper}'."
            : $"unknown region '{region}': not an assigned ISO 3166-1 alpha-2 country code.";
    }
}
