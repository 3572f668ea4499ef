using Resso.Evaluate;
using Resso.Ml.Training;

namespace Resso.Ml.Tests.Tool;

public sealed class EvaluateArgumentsTests
{
    [Fact]
    public void Parse_AllOptions_SetsEvaluationOptions()
    {
        var parsed = EvaluateArguments.Parse(["--hetrec", "/data", "--seed", "7", "--k", "20", "--dim", "32", "--epochs", "5", "--negatives", "3",
            "--ease-lambda", "250", "--skip-als", "--foldin-steps", "6", "--output", "r.json"]);

        Assert.Equal("/data", parsed.HetRecFolder);
        Assert.Equal("r.json", parsed.OutputPath);
        Assert.Equal(7, parsed.Options.Seed);
        Assert.Equal(20, parsed.Options.K);
        Assert.Equal(32, parsed.Options.Ffm.LatentDimension);
        Assert.Equal(5, parsed.Options.Ffm.Epochs);
        Assert.Equal(3, parsed.Options.Ffm.NegativesPerPositive);
        Assert.Equal(3, parsed.Options.FoldIn.NegativesPerPositive);
        Assert.Equal(250, parsed.Options.EaseLambda);
        Assert.False(parsed.Options.IncludeAls);
        Assert.True(parsed.Options.IncludeEase);
        Assert.Equal(6, parsed.Options.FoldIn.NewtonSteps);
    }

    [Fact]
    public void Parse_Tuned_StartsFromTunedOptionsAndAppliesOverrides()
    {
        var parsed = EvaluateArguments.Parse(["--epochs", "3", "--tuned", "--file", "r.tsv"]);

        Assert.Equal(FfmTrainingOptions.Tuned with { Epochs = 3 }, parsed.Options.Ffm);
    }

    [Fact]
    public void Parse_Folds_SetsFoldsAndKeepsTheSingleSplitByDefault()
    {
        Assert.Equal(10, EvaluateArguments.Parse(["--hetrec", "/data", "--folds", "10"]).Folds);
        Assert.Null(EvaluateArguments.Parse(["--hetrec", "/data"]).Folds);
    }

    [Theory]
    [InlineData(new[] { "--file", "r.tsv", "--folds", "1" }, "--folds must be an integer in [2, 100]")]
    [InlineData(new[] { "--file", "r.tsv", "--folds", "5", "--validation" }, "--folds and --validation")]
    [InlineData(new string[0], "exactly one of --hetrec")]
    [InlineData(new[] { "--hetrec", "a", "--file", "b" }, "exactly one of --hetrec")]
    [InlineData(new[] { "--file", "r.tsv", "--dim", "20" }, "multiple of 8")]
    [InlineData(new[] { "--file", "r.tsv", "--k", "zero" }, "--k must be an integer")]
    [InlineData(new[] { "--file", "r.tsv", "--epochs" }, "--epochs needs a value")]
    [InlineData(new[] { "--file", "r.tsv", "--frobnicate" }, "Unknown argument '--frobnicate'")]
    public void Parse_BadArguments_ThrowsWithMessage(string[] args, string message)
    {
        var exception = Assert.Throws<ArgumentException>(() => EvaluateArguments.Parse(args));

        Assert.Contains(message, exception.Message, StringComparison.Ordinal);
    }
}
