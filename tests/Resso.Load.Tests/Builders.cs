using Resso.Load.Engine;
using Resso.Load.Reporting;
using Resso.Load.Scenarios;

namespace Resso.Load.Tests;

/// <summary>Short, test-sized load options and scenarios.</summary>
internal static class Builders
{
    public static LoadOptions Options(Uri server, int connections = 4) => new()
    {
        BaseAddress = server,
        Connections = connections,
        Warmup = TimeSpan.Zero,
        Duration = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    public static ReportContext Context() => new("resso-load compare", MachineInfo.Current(), DateTimeOffset.UnixEpoch);

    public static Scenario Get(string path) => Scenario.Single(new RequestTemplate(path));

    public static Scenario Mix(params (string Path, double Weight)[] requests) =>
        new("mix", [.. requests.Select(r => new RequestTemplate(r.Path) { Name = r.Path, Weight = r.Weight })]);

    public static IdPools Pools(params (string Name, string[] Ids)[] pools) =>
        pools.Aggregate(IdPools.Empty, (all, pool) => all.With(pool.Name, pool.Ids));
}
