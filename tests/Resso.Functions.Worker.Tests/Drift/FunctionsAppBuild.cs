using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Extensions.Configuration;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests.Drift;

/// <summary>One binding of one function, as <c>functions.metadata</c> holds it.</summary>
internal sealed record FunctionBinding(string Function, JsonObject Binding)
{
    public string Type => (string)Binding["type"]!;

    /// <summary>Every string property holding a <c>%name%</c> expression, e.g. <c>("schedule", "%Resso:Training:Schedule%")</c>.</summary>
    public IEnumerable<(string Property, string Expression)> Expressions =>
        Binding.Where(p => p.Value?.GetValueKind() == JsonValueKind.String && ((string)p.Value!).Contains('%', StringComparison.Ordinal))
            .Select(p => (p.Key, (string)p.Value!));
}

/// <summary>
/// The Azure Functions app as its build output hands it to the Functions host: the function index
/// (<c>functions.metadata</c>), the host extensions to load (<c>extensions.json</c>) and how to start
/// the worker (<c>worker.config.json</c>), read from the app's own output folder.
/// </summary>
internal sealed class FunctionsAppBuild
{
    private FunctionsAppBuild(string directory)
    {
        Directory = directory;
        Functions = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "functions.metadata")))!.AsArray().Select(f => f!.AsObject()).ToList();
        Extensions = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "extensions.json")))!["extensions"]!.AsArray().Select(e => e!.AsObject()).ToList();
        WorkerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "worker.config.json")))!["description"]!.AsObject();
    }

    /// <summary>The build output of <c>functions/Resso.Functions</c> in this test run's configuration.</summary>
    public static FunctionsAppBuild Output { get; } = new(Path.Combine(
        RepositoryPaths.Root, "functions", "Resso.Functions", "bin",
        typeof(FunctionsAppBuild).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration,
        "net10.0"));

    public string Directory { get; }

    public IReadOnlyList<JsonObject> Functions { get; }

    public IReadOnlyList<JsonObject> Extensions { get; }

    public JsonObject WorkerConfig { get; }

    public IEnumerable<FunctionBinding> Bindings =>
        Functions.SelectMany(f => f["bindings"]!.AsArray().Select(b => new FunctionBinding((string)f["name"]!, b!.AsObject())));

    /// <summary>The <c>Values</c> of <c>local.settings.sample.json</c>: the app settings of a local run.</summary>
    public static IReadOnlyDictionary<string, string> SampleSettings() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject()
            .ToDictionary(p => p.Key, p => (string)p.Value!);

    /// <summary>
    /// The configuration the Functions host resolves binding expressions from: app settings arrive
    /// as environment variables (on Azure; Core Tools sets <c>local.settings.json</c>'s values the
    /// same way), read by the environment-variables configuration provider, which turns <c>__</c> into <c>:</c>.
    /// </summary>
    public static IConfiguration HostConfiguration(IReadOnlyDictionary<string, string> appSettings)
    {
        var prefix = $"RESSO_HOST_{Guid.NewGuid():N}_";
        foreach (var (name, value) in appSettings)
        {
            Environment.SetEnvironmentVariable(prefix + name, value);
        }

        try
        {
            return new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
        }
        finally
        {
            foreach (var name in appSettings.Keys)
            {
                Environment.SetEnvironmentVariable(prefix + name, null);
            }
        }
    }

    /// <summary>Resolves <paramref name="expression"/> with the WebJobs SDK's own name resolver, as the host does when it binds a trigger.</summary>
    /// <exception cref="InvalidOperationException">A <c>%name%</c> does not resolve to a value.</exception>
    public static string Resolve(string expression, IConfiguration configuration) =>
        new DefaultNameResolver(configuration).ResolveWholeString(expression);
}
