using System.Text.Json.Nodes;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Extensions.DependencyInjection;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests.Drift;

/// <summary>
/// The built app read as the Functions host reads it: its function index, every <c>%name%</c> in
/// it resolved by the WebJobs SDK's name resolver from app settings delivered as environment
/// variables, the host extensions its triggers need, and the worker it starts.
/// </summary>
public sealed class BindingResolutionTests
{
    private static readonly FunctionsAppBuild Build = FunctionsAppBuild.Output;

    [Fact]
    public async Task FunctionsMetadata_IsWhatTheWorkerIndexesItself()
    {
        // worker.config.json asks for worker indexing: the host takes the index from the worker's
        // generated metadata provider; functions.metadata is the same index written at build time.
        using var worker = FunctionsApplication.CreateBuilder([]).Build();
        var indexed = await worker.Services.GetRequiredService<IFunctionMetadataProvider>().GetFunctionMetadataAsync(Build.Directory);

        Assert.Equal("true", (string)Build.WorkerConfig["workerIndexing"]!);
        Assert.Equal(
            Build.Functions.Select(f => $"{f["name"]} {f["entryPoint"]} {Canonical(f["bindings"]!.AsArray().Select(b => b!.ToJsonString()))}").Order(),
            indexed.Select(f => $"{f.Name} {f.EntryPoint} {Canonical(f.RawBindings!)}").Order());
        Assert.Equal(36, indexed.Length);
    }

    [Fact]
    public void EveryBindingExpression_ResolvesFromTheSampleSettings_AsTheHostResolvesIt()
    {
        var configuration = FunctionsAppBuild.HostConfiguration(FunctionsAppBuild.SampleSettings());

        var resolved = Build.Bindings.SelectMany(b => b.Expressions.Select(e => $"{b.Function}.{e.Property} = {FunctionsAppBuild.Resolve(e.Expression, configuration)}")).Order();

        Assert.Equal(
            [
                "CatalogRollupTimer.schedule = 0 30 * * * *",
                "ModelRetrain.queueName = model-retrain",
                "RetentionTimer.schedule = 0 15 3 * * *",
                "RetrainTimer.schedule = 0 0 * * * *",
                "SongUsed.queueName = song-used",
            ],
            resolved);
    }

    [Fact]
    public void BindingExpression_WrittenWithTheAppSettingsDoubleUnderscore_DoesNotResolve()
    {
        // What both timers held before: the setting exists, but by then it is "Resso:Training:Schedule".
        var configuration = FunctionsAppBuild.HostConfiguration(FunctionsAppBuild.SampleSettings());

        var ex = Assert.Throws<InvalidOperationException>(() => FunctionsAppBuild.Resolve("%Resso__Training__Schedule%", configuration));

        Assert.Contains("'%Resso__Training__Schedule%' does not resolve to a value", ex.Message, StringComparison.Ordinal);
        Assert.Equal("0 0 * * * *", FunctionsAppBuild.Resolve("%Resso:Training:Schedule%", configuration));
    }

    [Fact]
    public void EveryBindingExpression_NamesAnAppSettingThatTheSampleBicepAndReadmeSet()
    {
        var sample = FunctionsAppBuild.SampleSettings();
        var bicep = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "infra", "main.bicep"));
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var settings = Build.Bindings.SelectMany(b => b.Expressions).Select(e => AppSetting(e.Expression)).Distinct().Order().ToList();

        Assert.Equal(["Resso__Catalog__RollupSchedule", "Resso__Privacy__RetentionSchedule", "Resso__Storage__ModelRetrainQueue", "Resso__Storage__SongUsedQueue", "Resso__Training__Schedule"], settings);
        Assert.All(settings, setting =>
        {
            Assert.True(sample.ContainsKey(setting), $"local.settings.sample.json does not set {setting}");
            Assert.Matches($@"(?m)^\s*{setting}:", bicep);
            Assert.Contains($"`{setting}`", readme, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void EveryTriggerType_IsBuiltIntoTheHostOrLoadedByAnExtensionThatTheBuildShips()
    {
        // HTTP and timer triggers are part of the Functions host; others come from extensions.json.
        var byTrigger = new Dictionary<string, string> { ["queueTrigger"] = "AzureStorageQueues" };
        string[] builtIn = ["httpTrigger", "timerTrigger", "http"];

        var needed = Build.Bindings.Select(b => b.Type).Distinct().Except(builtIn).Order().ToList();

        Assert.Equal(["queueTrigger"], needed);
        foreach (var trigger in needed)
        {
            var extension = Assert.Single(Build.Extensions, e => (string)e["name"]! == byTrigger[trigger]);
            Assert.True(File.Exists(Path.Combine(Build.Directory, (string)extension["hintPath"]!)), $"{extension["hintPath"]} is not in the build output");
        }

        Assert.Equal("dotnet-isolated", (string)Build.WorkerConfig["language"]!);
        Assert.Equal("dotnet-isolated", FunctionsAppBuild.SampleSettings()["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.True(File.Exists(Path.Combine(Build.Directory, (string)Build.WorkerConfig["defaultWorkerPath"]!)));
        Assert.True(File.Exists(Path.Combine(Build.Directory, "host.json")));
    }

    private static string AppSetting(string expression) => expression.Trim('%').Replace(":", "__", StringComparison.Ordinal);

    private static string Canonical(IEnumerable<string> bindings) =>
        string.Join("|", bindings.Select(b => JsonNode.Parse(b)!.AsObject()).Select(o => string.Join(",", o.Where(p => p.Key != "properties").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value?.ToJsonString()}"))).Order());
}
