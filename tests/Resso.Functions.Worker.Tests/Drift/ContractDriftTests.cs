using System.Text.Json.Nodes;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests.Drift;

/// <summary>
/// The Azure Functions app, as its build output indexes it (<c>functions.metadata</c>), and the
/// committed OpenAPI document describe the same routes: the same paths and methods, and a key
/// exactly where the function's authorization level asks for one. The app serves the document its
/// build wrote, which is the committed one.
/// </summary>
public sealed class ContractDriftTests
{
    private static readonly FunctionsAppBuild Build = FunctionsAppBuild.Output;

    // The document does not describe the route that serves it, nor the dashboard's static files.
    private const string DocumentFunction = "GetOpenApiDocument";
    private const string DashboardFunction = "Dashboard";

    /// <summary>Each HTTP function as <c>"GET /api/trending Anonymous"</c>.</summary>
    private static HashSet<string> FromFunctions(IEnumerable<FunctionBinding> bindings) =>
        bindings.Where(b => b.Type == "httpTrigger" && b.Function is not (DocumentFunction or DashboardFunction))
            .SelectMany(b => b.Binding["methods"]!.AsArray().Select(m => $"{((string)m!).ToUpperInvariant()} /api/{(string)b.Binding["route"]!} {(string)b.Binding["authLevel"]!}"))
            .ToHashSet();

    /// <summary>
    /// Each operation as <c>"GET /api/trending Anonymous"</c>, <c>Function</c> when it requires the
    /// function key. A listener's bearer token is checked by the worker, so to the host those
    /// functions are anonymous.
    /// </summary>
    private static HashSet<string> FromDocument(OpenApiContract contract) =>
        contract.Operations.Select(o =>
        {
            var schemes = o.Operation["security"]?.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key)).Where(s => s != "listenerToken").ToList() ?? [];
            var level = schemes.Count == 0 ? "Anonymous" : string.Join("+", schemes) == "functionKey" ? "Function" : string.Join("+", schemes);
            return $"{o.Key} {level}";
        }).ToHashSet();

    private static List<string> Differences(HashSet<string> functions, HashSet<string> document) =>
    [
        .. functions.Except(document).Order().Select(r => $"{r} is a function but not in {OpenApiContract.CommittedPath}"),
        .. document.Except(functions).Order().Select(r => $"{r} is in {OpenApiContract.CommittedPath} but not a function"),
    ];

    [Fact]
    public void Functions_TheRepositoryAsItIs_AreTheDocumentsOperationsWithTheirKeys()
    {
        var functions = FromFunctions(Build.Bindings);

        var differences = Differences(functions, FromDocument(OpenApiContract.Committed()));

        Assert.True(differences.Count == 0, string.Join("\n", differences) + $"\nIf the routes changed on purpose: {OpenApiContract.RegenerateCommand}");
        Assert.Equal(29, functions.Count);
        Assert.Contains("GET /api/me/mixes Anonymous", functions);
        Assert.Contains("POST /api/conversions Function", functions);
        Assert.Contains("GET /api/trending Anonymous", functions);
        Assert.Contains("GET /api/model/versions Anonymous", functions);
        Assert.Contains("GET /api/metrics/ingestion Function", functions);
    }

    [Fact]
    public void Differences_FunctionMissingOrWithAnotherLevel_AreReported()
    {
        var document = FromDocument(OpenApiContract.Committed());
        var functions = FromFunctions(Build.Bindings.Where(b => b.Function != "GetTrending"));
        functions.Remove("GET /api/model Anonymous");
        functions.Add("GET /api/model Function");

        Assert.Equal(
            [
                "GET /api/model Function is a function but not in docs/openapi.json",
                "GET /api/model Anonymous is in docs/openapi.json but not a function",
                "GET /api/trending Anonymous is in docs/openapi.json but not a function",
            ],
            Differences(functions, document));
    }

    [Fact]
    public void DashboardFunction_Indexed_IsAnonymousGetOfEveryPathUnderDashboard()
    {
        var binding = Build.Bindings.Single(b => b.Function == DashboardFunction && b.Type == "httpTrigger").Binding;

        Assert.Equal(("dashboard/{*path}", "Anonymous"), ((string)binding["route"]!, (string)binding["authLevel"]!));
        Assert.Equal(["get"], binding["methods"]!.AsArray().Select(m => (string)m!));
    }

    [Fact]
    public void DocumentFunction_Indexed_IsAnonymousGetOnOpenApiJsonServingTheCommittedDocument()
    {
        var binding = Build.Bindings.Single(b => b.Function == DocumentFunction && b.Type == "httpTrigger").Binding;

        Assert.Equal(("openapi.json", "Anonymous"), ((string)binding["route"]!, (string)binding["authLevel"]!));
        Assert.Equal(["get"], binding["methods"]!.AsArray().Select(m => (string)m!));
        var served = JsonNode.Parse(File.ReadAllText(Path.Combine(Build.Directory, "openapi.json")));
        Assert.True(
            JsonNode.DeepEquals(served, OpenApiContract.Committed().Document),
            $"The Functions app's openapi.json (written by the build) is not {OpenApiContract.CommittedPath}: {OpenApiContract.RegenerateCommand}");
    }
}
