using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Resso.Testing;

/// <summary>
/// The API's OpenAPI document as tests read it: the committed copy (<c>docs/openapi.json</c>), the
/// operations by method and route, and a small JSON Schema validator for the subset the document
/// uses (<c>$ref</c>, <c>type</c>, <c>enum</c>, <c>oneOf</c>/<c>anyOf</c>, <c>required</c>,
/// <c>properties</c>, <c>additionalProperties</c>, <c>items</c>, string and number bounds,
/// <c>pattern</c>, <c>format: date-time</c>).
/// </summary>
public sealed class OpenApiContract(JsonObject document)
{
    /// <summary>Where the committed document lives, from the repository root.</summary>
    public const string CommittedPath = "docs/openapi.json";

    /// <summary>The command that writes <see cref="CommittedPath"/> from the code.</summary>
    public const string RegenerateCommand =
        "dotnet build functions/Resso.Functions.SelfHost -c Release && cp functions/Resso.Functions.SelfHost/obj/Release/openapi/openapi.json docs/openapi.json";

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    public JsonObject Document { get; } = document;

    /// <summary>The committed document.</summary>
    public static OpenApiContract Committed() => Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, CommittedPath)));

    public static OpenApiContract Parse(string json) => new(JsonNode.Parse(json)!.AsObject());

    /// <summary>Every operation as <c>"GET /api/trending"</c> with the operation.</summary>
    public IEnumerable<(string Key, JsonObject Operation)> Operations =>
        Document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(m => Methods.Contains(m.Key))
            .Select(m => ($"{m.Key.ToUpperInvariant()} {path.Key}", m.Value!.AsObject())));

    /// <summary>The operation of <paramref name="method"/> on the route template <paramref name="route"/> (e.g. <c>/api/songs/{songId}</c>).</summary>
    public JsonObject Operation(string method, string route) =>
        Document["paths"]?[route]?[method.ToLowerInvariant()]?.AsObject()
        ?? throw new InvalidOperationException($"The document has no {method} {route}.");

    /// <summary>
    /// Problems with <paramref name="body"/> as the answer of <paramref name="method"/> <paramref name="route"/>
    /// with <paramref name="status"/> and <paramref name="contentType"/>; empty when it conforms.
    /// </summary>
    public IReadOnlyList<string> Check(string method, string route, int status, string? contentType, string body)
    {
        var responses = Operation(method, route)["responses"]!.AsObject();
        if (responses[status.ToString(CultureInfo.InvariantCulture)] is not JsonObject response)
        {
            return [$"{method} {route}: status {status} is not in the document (it declares {string.Join(", ", responses.Select(r => r.Key))})."];
        }

        var mediaType = contentType?.Split(';')[0].Trim() ?? "";
        if (response["content"] is not JsonObject content || content.Count == 0)
        {
            return body.Length == 0 ? [] : [$"{method} {route} {status}: the document declares no body, the answer has {body.Length} characters."];
        }

        if (content[mediaType] is not JsonObject media)
        {
            return [$"{method} {route} {status}: content type '{mediaType}' is not declared ({string.Join(", ", content.Select(c => c.Key))})."];
        }

        if (!mediaType.Contains("json", StringComparison.Ordinal))
        {
            return [];
        }

        var errors = new List<string>();
        Validate(JsonNode.Parse(body), media["schema"]!, "$", errors);
        return errors;
    }

    /// <summary>Validates <paramref name="value"/> against <paramref name="schema"/>, adding each problem to <paramref name="errors"/>.</summary>
    public void Validate(JsonNode? value, JsonNode schema, string path, List<string> errors)
    {
        var s = Resolve(schema);
        if (s["oneOf"] is JsonArray oneOf)
        {
            var matches = oneOf.Count(option => Matches(value, option!, path));
            if (matches != 1)
            {
                errors.Add($"{path}: matches {matches} of the {oneOf.Count} schemas of oneOf, not exactly one.");
            }
        }

        if (s["anyOf"] is JsonArray anyOf && !anyOf.Any(option => Matches(value, option!, path)))
        {
            errors.Add($"{path}: matches none of anyOf.");
        }

        if (s["enum"] is JsonArray values && !values.Any(v => JsonNode.DeepEquals(v, value)))
        {
            errors.Add($"{path}: {value?.ToJsonString() ?? "null"} is not one of {values.ToJsonString()}.");
        }

        var kind = KindOf(value);
        if (s["type"] is { } type)
        {
            var allowed = type is JsonArray many ? many.Select(t => (string)t!).ToArray() : [(string)type!];
            if (!allowed.Contains(kind) && !(kind == "integer" && allowed.Contains("number")))
            {
                errors.Add($"{path}: is {kind}, the document says {string.Join(" or ", allowed)}.");
                return;
            }
        }

        switch (value)
        {
            case JsonObject obj:
                ValidateObject(obj, s, path, errors);
                break;
            case JsonArray array when s["items"] is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    Validate(array[i], items, $"{path}[{i}]", errors);
                }

                break;
            case JsonValue v when kind == "string":
                ValidateString((string)v!, s, path, errors);
                break;
            case JsonValue v when kind is "integer" or "number":
                var number = v.GetValue<JsonElement>().GetDouble();
                if (s["minimum"] is { } min && number < Number(min))
                {
                    errors.Add($"{path}: {number} is below the minimum {min}.");
                }

                if (s["maximum"] is { } max && number > Number(max))
                {
                    errors.Add($"{path}: {number} is above the maximum {max}.");
                }

                break;
        }
    }

    private void ValidateObject(JsonObject obj, JsonObject s, string path, List<string> errors)
    {
        foreach (var name in s["required"]?.AsArray().Select(r => (string)r!) ?? [])
        {
            if (!obj.ContainsKey(name))
            {
                errors.Add($"{path}: the required property '{name}' is missing.");
            }
        }

        var properties = s["properties"] as JsonObject;
        foreach (var (name, child) in obj)
        {
            if (properties?[name] is { } propertySchema)
            {
                Validate(child, propertySchema, $"{path}.{name}", errors);
            }
            else if (s["additionalProperties"] is JsonValue allowed && allowed.GetValueKind() == JsonValueKind.False)
            {
                errors.Add($"{path}: the property '{name}' is not declared (additionalProperties is false).");
            }
            else if (s["additionalProperties"] is JsonObject extra)
            {
                Validate(child, extra, $"{path}.{name}", errors);
            }
        }
    }

    private static void ValidateString(string text, JsonObject s, string path, List<string> errors)
    {
        if (s["minLength"] is { } minLength && text.Length < (int)minLength)
        {
            errors.Add($"{path}: shorter than {minLength}.");
        }

        if (s["maxLength"] is { } maxLength && text.Length > (int)maxLength)
        {
            errors.Add($"{path}: longer than {maxLength}.");
        }

        if (s["pattern"] is { } pattern && !Regex.IsMatch(text, (string)pattern!, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            errors.Add($"{path}: '{text}' does not match {pattern}.");
        }

        if ((string?)s["format"] == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            errors.Add($"{path}: '{text}' is not a date-time.");
        }
    }

    private bool Matches(JsonNode? value, JsonNode schema, string path)
    {
        var errors = new List<string>();
        Validate(value, schema, path, errors);
        return errors.Count == 0;
    }

    private JsonObject Resolve(JsonNode schema)
    {
        var s = schema.AsObject();
        while (s["$ref"] is { } reference)
        {
            var target = (string)reference!;
            const string Prefix = "#/components/schemas/";
            if (!target.StartsWith(Prefix, StringComparison.Ordinal))
            {
                throw new NotSupportedException($"Only local schema references are supported: {target}.");
            }

            s = Document["components"]!["schemas"]![target[Prefix.Length..]]?.AsObject()
                ?? throw new InvalidOperationException($"{target} does not exist.");
        }

        return s;
    }

    private static string KindOf(JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => value.GetValue<JsonElement>().TryGetInt64(out _) ? "integer" : "number",
        _ => "unknown",
    };

    private static double Number(JsonNode node) => node.GetValue<JsonElement>() is { ValueKind: JsonValueKind.String } text
        ? double.Parse(text.GetString()!, CultureInfo.InvariantCulture)
        : node.GetValue<JsonElement>().GetDouble();
}
