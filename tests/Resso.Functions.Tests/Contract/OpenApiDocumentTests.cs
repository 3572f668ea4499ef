using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Resso.Functions.Core;
using Resso.Functions.Core.Hosting;
using Resso.Functions.SelfHost;
using Resso.Testing;

namespace Resso.Functions.Tests.Contract;

/// <summary>
/// The OpenAPI document: the committed copy is what the code generates, the build writes the same,
/// and every operation says what a client needs (id, summary, tags, responses with schemas and
/// problem types, examples, security as the route requires). The reference page loads nothing from
/// another origin.
/// </summary>
public sealed partial class OpenApiDocumentTests(AzuriteFixture azurite)
{
    private static async Task<JsonObject> ServedAsync(SelfHostServer host)
    {
        using var response = await host.Client.GetAsync(new Uri(RessoApi.OpenApiPath, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task CommittedDocument_TheCodeAsItIs_EqualsWhatTheSelfHostServes()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);
        var served = await ServedAsync(host);

        var committed = OpenApiContract.Committed().Document;

        if (!JsonNode.DeepEquals(committed, served))
        {
            var fresh = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(fresh, served.ToJsonString(new() { WriteIndented = true }));
            Assert.Fail(
                $"{OpenApiContract.CommittedPath} is not the document the code generates (first difference: {FirstDifference(committed, served, "$")}). " +
                $"Regenerate it with:\n  {OpenApiContract.RegenerateCommand}\nand commit it (the served document is in {fresh}).");
        }
    }

    [Fact]
    public async Task BuildDocument_WrittenForTheFunctionsApp_EqualsWhatTheSelfHostServes()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);
        var configuration = typeof(OpenApiDocumentTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var built = Path.Combine(RepositoryPaths.Root, "functions", "Resso.Functions.SelfHost", "obj", configuration, "openapi", "openapi.json");

        var document = JsonNode.Parse(await File.ReadAllTextAsync(built))!.AsObject();

        Assert.True(JsonNode.DeepEquals(document, await ServedAsync(host)), $"{built} differs from the served document: {FirstDifference(document, await ServedAsync(host), "$")}");
    }

    [Fact]
    public async Task Operations_EveryRoute_HasItsNameSummaryTagsResponsesAndExamples()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);
        var contract = new OpenApiContract(await ServedAsync(host));
        var problems = new List<string>();

        foreach (var (key, operation) in contract.Operations)
        {
            void Expect(bool condition, string what)
            {
                if (!condition)
                {
                    problems.Add($"{key}: {what}");
                }
            }

            Expect(operation["operationId"] is not null, "no operationId");
            Expect(((string?)operation["summary"])?.Length > 10, "no summary");
            Expect(operation["tags"] is JsonArray { Count: > 0 }, "no tags");
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                var content = response!["content"] as JsonObject;
                Expect(((string?)response["description"])?.Length > 0, $"{status} has no description");
                if (content?["application/problem+json"] is not null)
                {
                    Expect(((string)response["description"]!).Contains(Problems.TypePrefix, StringComparison.Ordinal), $"{status} names no problem type");
                }

                if (status[0] is '4' or '5' && content?["text/html"] is null)
                {
                    Expect(content?["application/problem+json"] is not null || (status == "503" && key == "GET /api/health"), $"{status} is not problem+json");
                }

                // The export is a streamed document, described in docs/privacy.md rather than by a schema.
                if (status[0] == '2' && content?["application/json"] is { } json && !key.EndsWith("/export", StringComparison.Ordinal))
                {
                    Expect(json["schema"] is not null, $"{status} has no schema");
                }
            }

            Expect(operation["responses"]!.AsObject().Any(r => r.Key[0] == '2' && r.Value!["content"]?["application/json"]?["example"] is not null) || key.StartsWith("GET /api/l/", StringComparison.Ordinal) || key.EndsWith("/export", StringComparison.Ordinal),
                "no example of its main answer");
            if (operation["requestBody"] is { } body)
            {
                Expect(body["content"]?["application/json"]?["example"] is not null, "no example of its body");
                Expect(body["content"]?["application/json"]?["schema"] is not null, "no schema of its body");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(29, contract.Operations.Count());
    }

    [Fact]
    public async Task Security_EachRoute_DeclaresTheKeyOrTheListenerTokenExactlyWhenItRequiresOne()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);
        var contract = new OpenApiContract(await ServedAsync(host));
        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            // Not operations: the self-host's own pages, the document itself and the dashboard's static files.
            .Where(e => e.Metadata.GetMetadata<SelfHostOnly>() is null && e.RoutePattern.RawText != RessoApi.OpenApiPath
                && e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .ToList();

        var scheme = contract.Document["components"]!["securitySchemes"]!["functionKey"]!;
        Assert.Equal(("apiKey", "header", "x-functions-key"), ((string)scheme["type"]!, (string)scheme["in"]!, (string)scheme["name"]!));
        var bearer = contract.Document["components"]!["securitySchemes"]!["listenerToken"]!;
        Assert.Equal(("http", "bearer", "JWT"), ((string)bearer["type"]!, (string)bearer["scheme"]!, (string)bearer["bearerFormat"]!));
        Assert.Equal(29, endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            var method = endpoint.Metadata.GetRequiredMetadata<HttpMethodMetadata>().HttpMethods.Single();
            var operation = contract.Operation(method, "/" + endpoint.RoutePattern.RawText!.TrimStart('/'));
            var keyed = endpoint.Metadata.OfType<FunctionAuthorization>().LastOrDefault() == FunctionAuthorization.Function;
            var listener = endpoint.Metadata.GetMetadata<ListenerAuthenticationMetadata>() is not null;
            var security = operation["security"]?.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key)).ToList() ?? [];
            string[] expected = keyed ? ["functionKey"] : listener ? ["listenerToken"] : [];
            Assert.True(security.SequenceEqual(expected), $"{method} {endpoint.RoutePattern.RawText}: keyed {keyed}, listener {listener}, security [{string.Join(", ", security)}]");
            Assert.Equal(endpoint.Metadata.GetRequiredMetadata<IEndpointNameMetadata>().EndpointName, (string?)operation["operationId"]);
        }
    }

    [Fact]
    public async Task ReferencePage_Served_ReadsTheDocumentAndLoadsScriptsFromItsOwnOriginOnly()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);

        using var page = await host.Client.GetAsync(new Uri(SelfHostApp.ReferencePath, UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var pageUri = page.RequestMessage!.RequestUri!;

        // The page's script resolves a relative source against the site's root (the page's path less the reference path).
        var source = DocumentSource().Match(html);
        Assert.True(source.Success, html);
        using var document = await host.Client.GetAsync(new Uri(host.BaseAddress, source.Groups["url"].Value));
        Assert.Equal(RessoApi.OpenApiPath, document.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);

        var sources = ScriptOrStyleSource().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(sources);
        foreach (var script in sources)
        {
            var uri = new Uri(pageUri, script);
            Assert.True(uri.GetLeftPart(UriPartial.Authority) == host.BaseAddress.GetLeftPart(UriPartial.Authority), $"{script} is loaded from another origin.");
            using var asset = await host.Client.GetAsync(uri);
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{uri}: {asset.StatusCode}");
        }

        // Nothing else from another origin either: no absolute http(s) URL outside the document's own text.
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?https?://", html);
    }

    [GeneratedRegex(@"""sources"":\[\{""title"":""[^""]*"",""url"":""(?<url>[^""]+)""")]
    private static partial Regex DocumentSource();

    [GeneratedRegex("""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["'](?<url>[^"']+)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptOrStyleSource();

    private static string FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        if (expected is JsonObject e && actual is JsonObject a)
        {
            foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
            {
                if (!JsonNode.DeepEquals(e[key], a[key]))
                {
                    return FirstDifference(e[key], a[key], $"{path}.{key}");
                }
            }
        }
        else if (expected is JsonArray ea && actual is JsonArray aa && ea.Count == aa.Count)
        {
            for (var i = 0; i < ea.Count; i++)
            {
                if (!JsonNode.DeepEquals(ea[i], aa[i]))
                {
                    return FirstDifference(ea[i], aa[i], $"{path}[{i}]");
                }
            }
        }

        return $"{path}: committed {expected?.ToJsonString() ?? "absent"}, generated {actual?.ToJsonString() ?? "absent"}";
    }
}
