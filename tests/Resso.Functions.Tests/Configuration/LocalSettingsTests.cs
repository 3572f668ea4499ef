using Microsoft.Extensions.Configuration;
using Resso.Functions.SelfHost.Configuration;
using Resso.Shared.Configuration;

namespace Resso.Functions.Tests.Configuration;

public sealed class LocalSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private IConfigurationRoot Build(params (string Key, string Value)[] overrides) => Build(isDevelopment: true, overrides);

    private IConfigurationRoot Build(bool isDevelopment, params (string Key, string Value)[] overrides)
    {
        var builder = new ConfigurationBuilder()
            .AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)));
        builder.AddLocalSettings(_folder.Path, isDevelopment);
        return builder.Build();
    }

    [Fact]
    public void AddLocalSettings_OnlySample_ReadsItsValuesWithSectionKeys()
    {
        _folder.Write("local.settings.sample.json", """{ "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true", "Resso__Api__Keys": "k1,k2", "Resso__Limits__Count": 5 } }""");

        var configuration = Build();

        Assert.Equal("UseDevelopmentStorage=true", configuration["AzureWebJobsStorage"]);
        Assert.Equal("k1,k2", configuration["Resso:Api:Keys"]);
        Assert.Equal("5", configuration["Resso:Limits:Count"]);
    }

    [Fact]
    public void AddLocalSettings_OnlySampleOutsideDevelopment_ReadsNothing()
    {
        _folder.Write("local.settings.sample.json", """{ "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true", "Resso__Links__Keys__dev": "x" } }""");

        var configuration = Build(isDevelopment: false);

        Assert.Null(configuration["AzureWebJobsStorage"]);
        Assert.Null(configuration["Resso:Links:Keys:dev"]);
    }

    [Fact]
    public void AddLocalSettings_LocalFileOutsideDevelopment_IsRead()
    {
        _folder.Write("local.settings.sample.json", """{ "Values": { "OnlyInSample": "x" } }""");
        _folder.Write("local.settings.json", """{ "Values": { "AzureWebJobsStorage": "mine" } }""");

        var configuration = Build(isDevelopment: false);

        Assert.Equal("mine", configuration["AzureWebJobsStorage"]);
        Assert.Null(configuration["OnlyInSample"]);
    }

    [Fact]
    public void AddLocalSettings_LocalFilePresent_ReplacesTheSample()
    {
        _folder.Write("local.settings.sample.json", """{ "Values": { "AzureWebJobsStorage": "sample", "OnlyInSample": "x" } }""");
        _folder.Write("local.settings.json", """{ "Values": { "AzureWebJobsStorage": "mine" } }""");

        var configuration = Build();

        Assert.Equal("mine", configuration["AzureWebJobsStorage"]);
        Assert.Null(configuration["OnlyInSample"]);
    }

    [Fact]
    public void AddLocalSettings_OtherSources_OverrideTheFile()
    {
        _folder.Write("local.settings.json", """{ "Values": { "AzureWebJobsStorage": "from-file" } }""");

        var configuration = Build(("AzureWebJobsStorage", "from-environment"));

        Assert.Equal("from-environment", configuration["AzureWebJobsStorage"]);
    }

    [Theory]
    [InlineData("""{ "Values": { "AzureWebJobsStorage": """, "local.settings.json")]
    [InlineData("""{ "Values": [] }""", "local.settings.json")]
    [InlineData("""{ "Values": { "Nested": { "a": 1 } } }""", "local.settings.json: Values.Nested")]
    public void AddLocalSettings_Malformed_NamesTheFileAndField(string json, string setting)
    {
        _folder.Write("local.settings.json", json);

        Assert.Equal(setting, Assert.Throws<RessoConfigurationException>(() => Build()).Setting);
    }
}
