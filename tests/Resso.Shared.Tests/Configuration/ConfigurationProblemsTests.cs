using Microsoft.Extensions.Options;
using Resso.Shared.Configuration;

namespace Resso.Shared.Tests.Configuration;

public sealed class ConfigurationProblemsTests
{
    private sealed class SampleOptions;

    [Theory]
    [InlineData("Resso__Links__Keys__dev: the secret must be base64.", "Resso__Links__Keys__dev", "the secret must be base64.")]
    [InlineData("Resso__Storage__Prefix must be empty or 1–12 lowercase letters.", "Resso__Storage__Prefix", "must be empty or 1–12 lowercase letters.")]
    [InlineData("MaxEventsPerRequest: The field IngestionOptions.MaxEventsPerRequest must be between 1 and 5000.", "Resso__Ingestion__MaxEventsPerRequest", "must be between 1 and 5000.")]
    [InlineData("Weights.View: The field IngestionOptions.Weights.View must be between 0 and 100.", "Resso__Ingestion__Weights__View", "must be between 0 and 100.")]
    [InlineData("Model: The IngestionOptions.Model field is required.", "Resso__Ingestion__Model", "is required.")]
    [InlineData("LinkHost: Resso__Links__LinkHost must be a bare DNS host name.", "Resso__Links__LinkHost", "must be a bare DNS host name.")]
    [InlineData("Resso__Auth__Authority or Resso__Auth__SigningKeys__{kid}: one is required.", "Resso__Auth__Authority or Resso__Auth__SigningKeys__{kid}", "one is required.")]
    [InlineData("something is wrong", "Resso__Ingestion", "something is wrong")]
    public void Add_OptionsFailure_NamesTheAppSetting(string failure, string setting, string problem)
    {
        var problems = new ConfigurationProblems();

        problems.Add(new OptionsValidationException("", typeof(SampleOptions), [failure]), "Resso:Ingestion");

        var found = Assert.Single(problems.All);
        Assert.Equal(setting, found.Setting);
        Assert.Equal(problem, found.Problem);
    }

    [Fact]
    public void TryAddBindingFailure_ValueThatDoesNotConvert_NamesTheSettingAndTheExpectedType()
    {
        var problems = new ConfigurationProblems();

        Assert.True(problems.TryAddBindingFailure(new InvalidOperationException("Failed to convert configuration value 'soon' at 'Resso:Storage:RequestTimeout' to type 'System.TimeSpan'.")));
        Assert.False(problems.TryAddBindingFailure(new InvalidOperationException("Something else.")));

        var found = Assert.Single(problems.All);
        Assert.Equal("Resso__Storage__RequestTimeout", found.Setting);
        Assert.Equal("\"soon\" is not a duration \"hh:mm:ss\".", found.Problem);
    }

    [Fact]
    public void Check_SeveralThrowingChecks_RecordsEachOnceAndGoesOn()
    {
        var problems = new ConfigurationProblems();

        Assert.False(problems.Check(() => throw new RessoConfigurationException("A__B", "is bad.")));
        Assert.Equal(0, problems.Check<int>(() => throw new RessoConfigurationException("A__B", "is bad."), 0));
        Assert.Equal(7, problems.Check(() => 7, 0));
        Assert.True(problems.Check(() => { }));
        Assert.False(problems.Check(() => throw new RessoConfigurationException("C__D", "is bad too.")));

        Assert.Equal(["A__B", "C__D"], problems.All.Select(p => p.Setting));
    }

    [Fact]
    public void ThrowIfAny_NoProblem_DoesNotThrow()
    {
        new ConfigurationProblems().ThrowIfAny();
    }

    [Fact]
    public void Describe_OneProblem_IsOneLine()
    {
        var problems = new ConfigurationProblems();
        problems.Add(new RessoConfigurationException("A__B", "is bad."));

        var ex = Assert.Throws<InvalidSettingsException>(problems.ThrowIfAny);

        Assert.Equal("Host cannot start: A__B: is bad.", ex.Describe("Host"));
    }

    [Fact]
    public void Describe_SeveralProblems_CountsThemThenOneIndentedLineEach()
    {
        var problems = new ConfigurationProblems();
        problems.Add(new RessoConfigurationException("A__B", "is bad."));
        problems.Add(new RessoConfigurationException("C__D", "is bad too."));

        var ex = Assert.Throws<InvalidSettingsException>(problems.ThrowIfAny);

        Assert.Equal(
            ["Host cannot start: 2 settings are invalid:", "  A__B: is bad.", "  C__D: is bad too."],
            ex.Describe("Host").Split(Environment.NewLine));
    }
}
