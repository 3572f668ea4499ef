using System.Text.RegularExpressions;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests.Drift;

/// <summary>
/// infra/main.bicep deploys the one package twice, serving and trainer, each disabling the
/// other's functions: every function the build indexes must run in exactly one of them.
/// </summary>
public sealed partial class InfraFunctionSplitTests
{
    [Fact]
    public void EveryIndexedFunction_RunsInExactlyOneApp_TrainingAndRollUpOnTheTrainer()
    {
        var bicep = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "infra", "main.bicep"));
        var trainer = List(bicep, "trainerFunctions");
        var serving = List(bicep, "servingFunctions");
        var indexed = FunctionsAppBuild.Output.Functions.Select(f => (string)f["name"]!).ToList();

        Assert.Empty(trainer.Intersect(serving));
        Assert.Equal(indexed.Order(), trainer.Concat(serving).Order());
        Assert.Equal(["CatalogRollupTimer", "ModelRetrain", "RetentionTimer", "RetrainTimer"], trainer.Order());
        Assert.Contains("appSettings: union(appSettings, disabled(trainerFunctions))", bicep, StringComparison.Ordinal);
        Assert.Contains("appSettings: union(appSettings, disabled(servingFunctions),", bicep, StringComparison.Ordinal);
    }

    private static List<string> List(string bicep, string name)
    {
        var match = Regex.Match(bicep, $@"var {name} = \[(?<items>[^\]]*)\]");
        Assert.True(match.Success, $"no var {name} = [...] in infra/main.bicep");
        return ItemPattern().Matches(match.Groups["items"].Value).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex("'([A-Za-z]+)'")]
    private static partial Regex ItemPattern();
}
