using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;

namespace Resso.Functions.Worker.Tests.Harness;

/// <summary>
/// The app's functions as its build describes them to the Functions host: <c>functions.metadata</c>
/// in the output folder (name, script file, entry point, bindings), turned into the worker's
/// <see cref="FunctionDefinition"/>s with the entry point's parameters, as the worker builds them
/// when the host loads a function.
/// </summary>
internal static class FunctionsMetadata
{
    public const string FileName = "functions.metadata";

    private static readonly Lazy<IReadOnlyDictionary<string, MetadataFunctionDefinition>> All = new(() => Load(Path.Combine(AppContext.BaseDirectory, FileName)));

    public static IReadOnlyDictionary<string, MetadataFunctionDefinition> Functions => All.Value;

    public static IReadOnlyDictionary<string, MetadataFunctionDefinition> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var functions = new Dictionary<string, MetadataFunctionDefinition>(StringComparer.Ordinal);
        foreach (var function in document.RootElement.EnumerateArray())
        {
            var definition = MetadataFunctionDefinition.From(function, Path.GetDirectoryName(path)!);
            functions.Add(definition.Name, definition);
        }

        return functions;
    }
}

/// <summary>One function of <c>functions.metadata</c>.</summary>
internal sealed class MetadataFunctionDefinition : FunctionDefinition
{
    private MetadataFunctionDefinition(string name, string pathToAssembly, string entryPoint, MethodInfo method, ImmutableArray<FunctionParameter> parameters, IImmutableDictionary<string, BindingMetadata> input, IImmutableDictionary<string, BindingMetadata> output, IReadOnlyDictionary<string, JsonElement> rawBindings)
    {
        Name = name;
        Id = name.ToUpperInvariant();
        PathToAssembly = pathToAssembly;
        EntryPoint = entryPoint;
        Method = method;
        Parameters = parameters;
        InputBindings = input;
        OutputBindings = output;
        RawBindings = rawBindings;
    }

    public override ImmutableArray<FunctionParameter> Parameters { get; }

    public override string PathToAssembly { get; }

    public override string EntryPoint { get; }

    public override string Id { get; }

    public override string Name { get; }

    public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; }

    public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; }

    /// <summary>The entry point, found as the worker finds it: the type and method named by <see cref="EntryPoint"/> in <see cref="PathToAssembly"/>.</summary>
    public MethodInfo Method { get; }

    /// <summary>Each binding's JSON, by binding name.</summary>
    public IReadOnlyDictionary<string, JsonElement> RawBindings { get; }

    /// <summary>The trigger binding.</summary>
    public BindingMetadata Trigger => InputBindings.Values.Single(b => b.Type.EndsWith("Trigger", StringComparison.Ordinal));

    public static MetadataFunctionDefinition From(JsonElement function, string directory)
    {
        var name = function.GetProperty("name").GetString()!;
        var entryPoint = function.GetProperty("entryPoint").GetString()!;
        var path = Path.Combine(directory, function.GetProperty("scriptFile").GetString()!);
        var split = entryPoint.LastIndexOf('.');
        var assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => !a.IsDynamic && string.Equals(a.Location, path, StringComparison.Ordinal))
            ?? Assembly.LoadFrom(path);
        var type = assembly.GetType(entryPoint[..split], throwOnError: true)!;
        var method = type.GetMethod(entryPoint[(split + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{name}: no public method {entryPoint} in {path}.");

        var input = ImmutableDictionary.CreateBuilder<string, BindingMetadata>();
        var output = ImmutableDictionary.CreateBuilder<string, BindingMetadata>();
        var raw = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var binding in function.GetProperty("bindings").EnumerateArray())
        {
            var metadata = new JsonBindingMetadata(
                binding.GetProperty("name").GetString()!,
                binding.GetProperty("type").GetString()!,
                Enum.Parse<BindingDirection>(binding.GetProperty("direction").GetString()!, ignoreCase: true));
            (metadata.Direction == BindingDirection.In ? input : output).Add(metadata.Name, metadata);
            raw[metadata.Name] = binding.Clone();
        }

        var parameters = method.GetParameters()
            .Select(p => new FunctionParameter(p.Name!, p.ParameterType, p.HasDefaultValue, p.HasDefaultValue ? p.DefaultValue : null))
            .ToImmutableArray();
        return new MetadataFunctionDefinition(name, path, entryPoint, method, parameters, input.ToImmutable(), output.ToImmutable(), raw);
    }

    private sealed class JsonBindingMetadata(string name, string type, BindingDirection direction) : BindingMetadata
    {
        public override string Name { get; } = name;

        public override string Type { get; } = type;

        public override BindingDirection Direction { get; } = direction;
    }
}
