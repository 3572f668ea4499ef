using Resso.Functions.SelfHost;
using Resso.Testing;
using Microsoft.Extensions.Configuration;

namespace Resso.Functions.Tests.Drift;

/// <summary>The Azure Functions app and the self-host expose the same routes, queues and timers.</summary>
public sealed class HostDriftTests
{
    private static IEnumerable<string> FunctionsSources() =>
        Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "functions", "Resso.Functions"), "*.cs").Select(File.ReadAllText);

    private static HostSurface SelfHost()
    {
        // Built, not started: the route table and registrations are all this needs.
        var app = SelfHostApp.Build(["--environment", "Development"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Resso:Storage:Prefix"] = "",
        }));
        return HostSurface.FromSelfHost(app);
    }

    [Fact]
    public void Hosts_TheRepositoryAsItIs_HaveNoDrift()
    {
        var functions = HostSurface.FromFunctionsSource(FunctionsSources());
        var selfHost = SelfHost();

        Assert.Empty(HostSurface.Differences(functions, selfHost));
        Assert.Contains("POST /api/events Function", functions.Routes);
        Assert.Contains("GET /api/songs/{songId}/offer Anonymous", functions.Routes);
        Assert.Equal(["model-retrain", "song-used"], functions.Queues.Order());
        Assert.Equal(["%Resso__Catalog__RollupSchedule%", "%Resso__Training__Schedule%"], functions.Timers.Order());
    }

    [Fact]
    public void Differences_FunctionsAppMissingARoute_IsReported()
    {
        // A deliberately incomplete fixture: the Functions app without its PutSong function.
        var incomplete = FunctionsSources().Where(s => !s.Contains("[Function(\"PutSong\")]", StringComparison.Ordinal));

        var differences = HostSurface.Differences(HostSurface.FromFunctionsSource(incomplete), SelfHost());

        Assert.Equal(["route PUT /api/songs/{songId} Function is in the self-host only"], differences);
    }

    [Fact]
    public void Differences_SelfHostMissingARouteOrWithAnotherLevel_IsReported()
    {
        var selfHost = SelfHost();
        var routes = selfHost.Routes.Where(r => r != "GET /api/trending Anonymous").Append("GET /api/model Function").Where(r => r != "GET /api/model Anonymous").ToHashSet();

        var differences = HostSurface.Differences(HostSurface.FromFunctionsSource(FunctionsSources()), selfHost with { Routes = routes });

        Assert.Equal(
            ["route GET /api/model Anonymous is in the Azure Functions app only", "route GET /api/trending Anonymous is in the Azure Functions app only", "route GET /api/model Function is in the self-host only"],
            differences);
    }

    [Fact]
    public void Differences_QueueOrScheduleRenamedOnOneSide_IsReported()
    {
        var fixture = """
            public sealed class F
            {
                [Function("SongUsed")] public Task A([QueueTrigger("song-used-v2")] QueueMessage m) => Task.CompletedTask;
                [Function("T")] public Task B([TimerTrigger("0 */5 * * * *")] TimerInfo t) => Task.CompletedTask;
            }
            """;

        var functions = HostSurface.FromFunctionsSource([fixture]);
        var differences = HostSurface.Differences(functions, SelfHost() with { Routes = new HashSet<string>() });

        Assert.Contains("queue song-used-v2 is in the Azure Functions app only", differences);
        Assert.Contains("queue song-used is in the self-host only", differences);
        Assert.Contains("timer 0 */5 * * * * is in the Azure Functions app only", differences);
    }
}
