using Microsoft.Extensions.Configuration;
using Resso.Shared.Configuration;
using Resso.Shared.Storage;

namespace Resso.Shared.Tests.Storage;

public sealed class StorageConnectionTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    [Fact]
    public void FromConfiguration_SettingMissing_NamesTheSettingAndTheFix()
    {
        var ex = Assert.Throws<RessoConfigurationException>(() => StorageConnection.FromConfiguration(Settings()));

        Assert.Equal("AzureWebJobsStorage", ex.Setting);
        Assert.StartsWith("AzureWebJobsStorage: is not set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("UseDevelopmentStorage=true", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a connection string")]
    [InlineData("AccountName=x;AccountKey=not-base64!!")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0a2V5;BlobEndpoint=::bad")]
    public void FromConnectionString_Malformed_NamesTheSettingWithoutEchoingTheValue(string value)
    {
        var ex = Assert.Throws<RessoConfigurationException>(() => StorageConnection.FromConfiguration(Settings(("AzureWebJobsStorage", value))));

        Assert.Equal("AzureWebJobsStorage", ex.Setting);
        Assert.Contains("not a valid storage connection string", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_DevelopmentStorage_PointsAtAzuriteDefaultPorts()
    {
        var connection = StorageConnection.FromConfiguration(Settings(("AzureWebJobsStorage", "UseDevelopmentStorage=true")));

        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", connection.Description);
    }

    [Fact]
    public void FromConfiguration_AccountNameOnly_UsesTheAccountsPublicEndpoints()
    {
        var connection = StorageConnection.FromConfiguration(Settings(("AzureWebJobsStorage:accountName", "ressoprod")));

        Assert.Equal("https://ressoprod.blob.core.windows.net/", connection.Description);
        Assert.Equal(new Uri("https://ressoprod.queue.core.windows.net"), connection.CreateQueueServiceClient(new()).Uri);
        Assert.Equal(new Uri("https://ressoprod.table.core.windows.net"), connection.CreateTableServiceClient(new()).Uri);
    }

    [Fact]
    public void FromConfiguration_ServiceUriNotAUri_NamesThatSetting()
    {
        var ex = Assert.Throws<RessoConfigurationException>(() => StorageConnection.FromConfiguration(Settings(
            ("AzureWebJobsStorage:accountName", "ressoprod"),
            ("AzureWebJobsStorage:queueServiceUri", "queue.example"))));

        Assert.Equal("AzureWebJobsStorage__queueServiceUri", ex.Setting);
    }
}
