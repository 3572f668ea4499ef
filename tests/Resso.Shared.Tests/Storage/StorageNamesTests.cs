using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Resso.Shared.Storage;

namespace Resso.Shared.Tests.Storage;

public sealed partial class StorageNamesTests
{
    // Azure's rules: queues and containers 3–63 lowercase letters, digits and single hyphens;
    // tables 3–63 letters and digits starting with a letter.
    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex QueueOrContainerName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();

    [Theory]
    [InlineData("")]
    [InlineData("t1a2b3c4d5e6")]
    public void Names_AnyValidPrefix_AreValidAzureNames(string prefix)
    {
        var names = new StorageNames(prefix);

        Assert.All(names.Queues.Concat(names.Containers), n => Assert.Matches(QueueOrContainerName(), n));
        Assert.All(names.Tables, n => Assert.Matches(TableName(), n));
        Assert.All(names.Queues.Concat(names.Containers).Concat(names.Tables), n => Assert.StartsWith(prefix, n, StringComparison.Ordinal));
    }

    [Fact]
    public void PoisonQueues_AreTheFunctionsHostsNames()
    {
        var names = new StorageNames();

        Assert.Equal("song-used-poison", names.SongUsedPoisonQueue);
        Assert.Equal("model-retrain-poison", names.ModelRetrainPoisonQueue);
    }

    [Fact]
    public void PoisonContainer_IsPrefixedAndAmongTheContainersProvisioned()
    {
        var names = new StorageNames("t1a2b3c4d5e6");

        Assert.Equal("t1a2b3c4d5e6poison", names.PoisonContainer);
        Assert.Contains(names.PoisonContainer, names.Containers);
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("1digitfirst")]
    [InlineData("has-hyphen")]
    [InlineData("muchtoolongprefix")]
    public void Prefix_Invalid_FailsValidationWithTheSettingName(string prefix)
    {
        var options = new StorageOptions { Prefix = prefix };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains("Resso__Storage__Prefix", Assert.Single(results).ErrorMessage, StringComparison.Ordinal);
    }
}
