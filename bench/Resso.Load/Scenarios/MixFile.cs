using System.Text.Json;

namespace Resso.Load.Scenarios;

/// <summary>
/// Reads a mix file: a JSON scenario of weighted requests for a mixed (soak) run.
/// </summary>
/// <remarks>
/// <code>
/// {
///   "name": "soak",                                   // optional; defaults to the file name
///   "pools": { "song": "s_000000..001999",            // same syntax as --pool; @file is relative to the mix file
///              "user": ["u_000001", "u_000002"] },
///   "headers": { "x-functions-key": "…" },            // optional; added to every request
///   "requests": [
///     { "name": "offer", "weight": 8, "path": "/api/songs/{song}/offer?userId={user}&amp;region={region}&amp;platform=ios" },
///     { "weight": 1, "method": "POST", "path": "/api/events",
///       "body": { "events": [] },                      // a string is sent as is, other JSON as written
///       "contentType": "application/json" }           // or "bodyFile": "events.json"
///   ]
/// }
/// </code>
/// Comments and trailing commas are allowed.
/// </remarks>
public static class MixFile
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads the mix file at <paramref name="path"/>.</summary>
    /// <exception cref="UsageException">The file is missing, is not JSON, or does not describe requests.</exception>
    public static Scenario Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new UsageException($"the mix file '{fullPath}' does not exist.");
        }

        try
        {
            return Parse(File.ReadAllText(fullPath), Path.GetDirectoryName(fullPath)!, Path.GetFileNameWithoutExtension(fullPath));
        }
        catch (UsageException ex)
        {
            throw new UsageException($"the mix file '{fullPath}': {ex.Message}");
        }
    }

    /// <summary>Reads a mix from JSON text; files it names are relative to <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="UsageException">The text is not JSON or does not describe requests.</exception>
    public static Scenario Parse(string json, string baseDirectory, string name = "mix")
    {
        try
        {
            using var document = JsonDocument.Parse(json, Options);
            return Read(document.RootElement, baseDirectory, name);
        }
        catch (JsonException ex)
        {
            throw new UsageException($"not valid JSON: {ex.Message}");
        }
    }

    private static Scenario Read(JsonElement root, string directory, string fallbackName)
    {
        Expect(root, JsonValueKind.Object, "the top level");
        Known(root, "the top level", "name", "pools", "headers", "requests");

        var pools = IdPools.Empty;
        if (root.TryGetProperty("pools", out var poolsElement))
        {
            Expect(poolsElement, JsonValueKind.Object, "pools");
            foreach (var pool in poolsElement.EnumerateObject())
            {
                IReadOnlyList<string> ids = pool.Value.ValueKind switch
                {
                    JsonValueKind.String => IdPools.ParseSpec(pool.Value.GetString()!, directory),
                    JsonValueKind.Array => [.. pool.Value.EnumerateArray().Select(id => id.ValueKind == JsonValueKind.String
                        ? id.GetString()!
                        : throw new UsageException($"pools.{pool.Name} must hold strings."))],
                    _ => throw new UsageException($"pools.{pool.Name} must be a string such as \"s_000000..001999\" or an array of ids."),
                };
                pools = pools.With(pool.Name, ids);
            }
        }

        var shared = root.TryGetProperty("headers", out var headersElement) ? Headers(headersElement, "headers") : [];
        if (!root.TryGetProperty("requests", out var requestsElement) || requestsElement.ValueKind != JsonValueKind.Array
            || requestsElement.GetArrayLength() == 0)
        {
            throw new UsageException("\"requests\" must be a non-empty array.");
        }

        var requests = requestsElement.EnumerateArray().Select((element, i) => Request(element, $"requests[{i}]", directory)).ToList();
        var name = root.TryGetProperty("name", out var nameElement) ? String(nameElement, "name") : fallbackName;
        return new Scenario(name, requests) { Pools = pools }.WithHeaders(shared);
    }

    private static RequestTemplate Request(JsonElement element, string where, string directory)
    {
        Expect(element, JsonValueKind.Object, where);
        Known(element, where, "name", "weight", "method", "path", "headers", "body", "bodyFile", "contentType");
        if (!element.TryGetProperty("path", out var path))
        {
            throw new UsageException($"{where} needs a \"path\".");
        }

        string? body = null;
        if (element.TryGetProperty("body", out var bodyElement))
        {
            body = bodyElement.ValueKind == JsonValueKind.String ? bodyElement.GetString() : bodyElement.GetRawText();
        }

        if (element.TryGetProperty("bodyFile", out var bodyFile))
        {
            if (body is not null)
            {
                throw new UsageException($"{where} has both \"body\" and \"bodyFile\".");
            }

            var file = Path.GetFullPath(String(bodyFile, where + ".bodyFile"), directory);
            body = File.Exists(file) ? File.ReadAllText(file) : throw new UsageException($"{where}.bodyFile '{file}' does not exist.");
        }

        var weight = 1.0;
        if (element.TryGetProperty("weight", out var weightElement)
            && (weightElement.ValueKind != JsonValueKind.Number || !weightElement.TryGetDouble(out weight) || !(weight > 0)))
        {
            throw new UsageException($"{where}.weight must be a positive number.");
        }

        return new RequestTemplate(String(path, where + ".path"))
        {
            Name = element.TryGetProperty("name", out var name) ? String(name, where + ".name") : null,
            Method = element.TryGetProperty("method", out var method) ? String(method, where + ".method") : "GET",
            Weight = weight,
            Headers = element.TryGetProperty("headers", out var headers) ? Headers(headers, where + ".headers") : [],
            Body = body,
            ContentType = element.TryGetProperty("contentType", out var contentType) ? String(contentType, where + ".contentType") : null,
        };
    }

    private static List<KeyValuePair<string, string>> Headers(JsonElement element, string where)
    {
        Expect(element, JsonValueKind.Object, where);
        return [.. element.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, String(p.Value, $"{where}.{p.Name}")))];
    }

    private static string String(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw new UsageException($"{where} must be a string.");

    private static void Expect(JsonElement element, JsonValueKind kind, string where)
    {
        if (element.ValueKind != kind)
        {
            throw new UsageException($"{where} must be a JSON {kind.ToString().ToLowerInvariant()}.");
        }
    }

    private static void Known(JsonElement element, string where, params string[] names)
    {
        foreach (var property in element.EnumerateObject().Where(p => !names.Contains(p.Name, StringComparer.Ordinal)))
        {
            throw new UsageException($"{where} has an unknown property \"{property.Name}\" (known: {string.Join(", ", names)}).");
        }
    }
}
