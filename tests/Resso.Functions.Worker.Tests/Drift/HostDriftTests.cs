using System.Text.Json.Nodes;

namespace Resso.Functions.Worker.Tests.Drift;

/// <summary>The Azure Functions app, as its build output indexes it, and the self-host expose the same routes, queues and timers.</summary>
public sealed class HostDriftTests
{
    private static readonly FunctionsAppBuild Build = FunctionsAppBuild.Output;

    private static Dictionary<string, string?> SelfHostSettings(string prefix) => new()
    {
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        ["Resso:Storage:Prefix"] = prefix,
    };

    [Theory]
    [InlineData("")]
    [InlineData("blue")]
    public void Hosts_TheRepositoryAsItIs_HaveNoDrift(string prefix)
    {
        // The queue settings as an operator sets them for the prefix (the sample's are for none).
        var appSettings = new Dictionary<string, string>(FunctionsAppBuild.SampleSettings())
        {
            ["Resso__Storage__Prefix"] = prefix,
            ["Resso__Storage__SongUsedQueue"] = prefix + "song-used",
            ["Resso__Storage__ModelRetrainQueue"] = prefix + "model-retrain",
        };
        var functions = HostSurface.FromMetadata(Build.Bindings, FunctionsAppBuild.HostConfiguration(appSettings));

        Assert.Empty(HostSurface.Differences(functions, HostSurface.FromSelfHost(SelfHostSettings(prefix))));
        Assert.Equal(31, functions.Routes.Count);
        Assert.Contains("GET /api/openapi.json Anonymous", functions.Routes);
        Assert.Contains("GET /api/dashboard/{*path} Anonymous", functions.Routes);
        Assert.Contains("POST /api/events Function", functions.Routes);
        Assert.Contains("GET /api/songs/{songId}/offer Anonymous", functions.Routes);
        Assert.Equal([prefix + "model-retrain", prefix + "song-used"], functions.Queues.Order());
        Assert.Equal(["CatalogRollupTimer %Resso:Catalog:RollupSchedule%", "RetentionTimer %Resso:Privacy:RetentionSchedule%", "RetrainTimer %Resso:Training:Schedule%"], functions.Timers.Order());
    }

    [Fact]
    public void Differences_FunctionsAppMissingARoute_IsReported()
    {
        var bindings = Build.Bindings.Where(b => b.Function != "PutSong");

        var differences = HostSurface.Differences(HostSurface.FromMetadata(bindings, Sample()), HostSurface.FromSelfHost(SelfHostSettings("")));

        Assert.Equal(["route PUT /api/songs/{songId} Function is in the self-host only"], differences);
    }

    [Fact]
    public void Differences_SelfHostMissingARouteOrWithAnotherLevel_IsReported()
    {
        var selfHost = HostSurface.FromSelfHost(SelfHostSettings(""));
        var routes = selfHost.Routes.Where(r => r != "GET /api/trending Anonymous").Append("GET /api/model Function").Where(r => r != "GET /api/model Anonymous").ToHashSet();

        var differences = HostSurface.Differences(HostSurface.FromMetadata(Build.Bindings, Sample()), selfHost with { Routes = routes });

        Assert.Equal(
            ["route GET /api/model Anonymous is in the Azure Functions app only", "route GET /api/trending Anonymous is in the Azure Functions app only", "route GET /api/model Function is in the self-host only"],
            differences);
    }

    [Fact]
    public void Differences_QueueOrScheduleOtherOnOneSide_IsReported()
    {
        // The app as it was: a literal queue name and a timer expression in the app-setting form.
        var drifted = new[]
        {
            new FunctionBinding("SongUsed", new JsonObject { ["type"] = "queueTrigger", ["queueName"] = "song-used-v2" }),
            new FunctionBinding("RetrainTimer", new JsonObject { ["type"] = "timerTrigger", ["schedule"] = "%Resso__Training__Schedule%" }),
        };

        var differences = HostSurface.Differences(HostSurface.FromMetadata(drifted, Sample()), HostSurface.FromSelfHost(SelfHostSettings("")) with { Routes = new HashSet<string>() });

        Assert.Contains("queue song-used-v2 is in the Azure Functions app only", differences);
        Assert.Contains("queue song-used is in the self-host only", differences);
        Assert.Contains("timer RetrainTimer %Resso__Training__Schedule% is in the Azure Functions app only", differences);
    }

    private static Microsoft.Extensions.Configuration.IConfiguration Sample() => FunctionsAppBuild.HostConfiguration(FunctionsAppBuild.SampleSettings());
}
