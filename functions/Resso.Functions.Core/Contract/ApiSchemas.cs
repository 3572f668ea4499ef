using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Resso.Functions.Core.Listeners;
using Resso.Shared;
using Resso.Shared.Events;
using Resso.Shared.Links;

namespace Resso.Functions.Core.Contract;

/// <summary>Patterns of the values the API validates by hand, for attributes (constants).</summary>
public static class ContractPatterns
{
    /// <summary>An id (<see cref="Ids"/>): 1–64 characters of <c>[A-Za-z0-9_.:-]</c>, not <c>.</c> or <c>..</c>.</summary>
    public const string Id = @"^(?!\.\.?$)[A-Za-z0-9_.:-]{1,64}$";

    /// <summary>
    /// A claim code (<see cref="ClaimCodes"/>): ten characters of its alphabet, in either case (a person
    /// may type it). The spaces and hyphens <see cref="ClaimCodes.Normalize"/> also forgives are left
    /// out: the pattern is the code, and the description says what else is accepted.
    /// </summary>
    public const string ClaimCode = "^[" + ClaimCodes.Alphabet + LowerCaseLetters + "]{10}$";

    // The alphabet's letters in lower case (a constant: the pattern is an attribute argument).
    private const string LowerCaseLetters = "abcdefghjklmnpqrstuvwxyz";
}

/// <summary>The schemas of the values the API validates by hand, stated once, as the validators state them.</summary>
public static class ApiSchemas
{
    /// <summary>An id: 1–64 characters of <c>[A-Za-z0-9_.:-]</c>, not <c>.</c> or <c>..</c> (<see cref="Ids"/>).</summary>
    public static OpenApiSchema Id() => new()
    {
        Type = JsonSchemaType.String,
        MinLength = 1,
        MaxLength = Ids.MaxLength,
        Pattern = ContractPatterns.Id,
    };

    /// <summary>An ISO 3166-1 alpha-2 country code in upper case (<see cref="Regions"/>).</summary>
    public static OpenApiSchema Region() => new()
    {
        Type = JsonSchemaType.String,
        Pattern = "^[A-Z]{2}$",
        Description = "ISO 3166-1 alpha-2 country code, upper case, officially assigned (e.g. ID).",
    };

    /// <summary>How many items a list holds: 1–100, default 20 (<see cref="ListenersApi"/>).</summary>
    public static OpenApiSchema Count() => Integer(1, ListenersApi.MaxCount, ListenersApi.DefaultCount);

    /// <summary>A millisecond offset into a song: 0 to one hour.</summary>
    public static OpenApiSchema Milliseconds() => Integer(0, EventParser.MaxSegmentEndMs);

    /// <summary>A device family (<see cref="Platform"/>).</summary>
    public static OpenApiSchema Platform() => Enum("ios", "android", "web");

    /// <summary>A claim code (<see cref="ClaimCodes"/>).</summary>
    public static OpenApiSchema ClaimCode() => new()
    {
        Type = JsonSchemaType.String,
        Pattern = ContractPatterns.ClaimCode,
        Description = "Ten characters of " + ClaimCodes.Alphabet + ", e.g. 7KQ2M9XHPA, in either case. Spaces and hyphens between the characters are dropped too, so a code as a person typed it redeems the same claim.",
    };

    /// <summary>Any non-empty string.</summary>
    public static OpenApiSchema Text(int? maxLength = null) => new() { Type = JsonSchemaType.String, MinLength = 1, MaxLength = maxLength };

    /// <summary>An ISO 8601 date or date-time.</summary>
    public static OpenApiSchema DateOrDateTime() => new() { Type = JsonSchemaType.String, Description = "ISO 8601 date (2026-11-01) or date-time (2026-11-01T00:00:00Z); UTC when no offset." };

    /// <summary><c>true</c> or <c>false</c>.</summary>
    public static OpenApiSchema Boolean(bool @default) => new() { Type = JsonSchemaType.Boolean, Default = JsonValue.Create(@default) };

    /// <summary>One of <paramref name="values"/>.</summary>
    public static OpenApiSchema Enum(params string[] values) => new()
    {
        Type = JsonSchemaType.String,
        Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
    };

    /// <summary>A whole number in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public static OpenApiSchema Integer(int minimum, int maximum, int? @default = null) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Minimum = minimum.ToString(CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(CultureInfo.InvariantCulture),
        Default = @default is { } d ? JsonValue.Create(d) : null,
    };

    /// <summary><paramref name="schema"/> with a default value.</summary>
    public static OpenApiSchema WithDefault(this OpenApiSchema schema, string value)
    {
        schema.Default = JsonValue.Create(value);
        return schema;
    }
}
