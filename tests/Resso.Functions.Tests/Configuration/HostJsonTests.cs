using Resso.Functions.SelfHost.Configuration;
using Resso.Shared.Configuration;
using Resso.Testing;

namespace Resso.Functions.Tests.Configuration;

public sealed class HostJsonTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private HostJson Load(string json) => HostJson.Load(_folder.Write("host.json", json));

    private RessoConfigurationException Refused(string json) => Assert.Throws<RessoConfigurationException>(() => Load(json));

    [Fact]
    public void Load_RepositoryHostJson_ReadsItsQueueSettings()
    {
        var host = HostJson.Load(Path.Combine(RepositoryPaths.Root, "host.json"));

        Assert.Equal(new QueuesHostOptions(16, 8, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), 5), host.Queues);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, host.LogLevels["Azure.Core"]);
    }

    [Fact]
    public void Load_NoQueuesSection_UsesTheFunctionsHostDefaults()
    {
        var host = Load("""{ "version": "2.0" }""");

        Assert.Equal(new QueuesHostOptions(16, 8, TimeSpan.FromMinutes(1), TimeSpan.Zero, 5), host.Queues);
    }

    [Fact]
    public void Load_BatchSizeWithoutThreshold_ThresholdIsHalfTheBatch()
    {
        var host = Load("""
            {
              // comments are allowed, as in the Functions host
              "version": "2.0",
              "extensions": { "queues": { "batchSize": 10, "maxDequeueCount": 2, "maxPollingInterval": "00:00:00.500" } }
            }
            """);

        Assert.Equal(5, host.Queues.NewBatchThreshold);
        Assert.Equal(2, host.Queues.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromMilliseconds(500), host.Queues.MaxPollingInterval);
    }

    [Fact]
    public void Load_NotJson_SaysSoWithThePosition()
    {
        var ex = Refused("""{ "version": "2.0", "extensions": { """);

        Assert.Equal("host.json", ex.Setting);
        Assert.StartsWith("host.json: is not valid JSON at line 1, column ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "batchSize": 33 } } }""", "host.json: extensions.queues.batchSize")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "batchSize": "16" } } }""", "host.json: extensions.queues.batchSize")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "maxDequeueCount": 0 } } }""", "host.json: extensions.queues.maxDequeueCount")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "maxPollingInterval": "2" } } }""", "host.json: extensions.queues.maxPollingInterval")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "maxPollingInterval": "00:00:00.010" } } }""", "host.json: extensions.queues.maxPollingInterval")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "visibilityTimeout": "soon" } } }""", "host.json: extensions.queues.visibilityTimeout")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "messageEncoding": "none" } } }""", "host.json: extensions.queues.messageEncoding")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": [] } }""", "host.json: extensions.queues")]
    [InlineData("""{ "version": "2.0", "logging": { "logLevel": { "default": "Loud" } } }""", "host.json: logging.logLevel.default")]
    [InlineData("""{ "extensions": {} }""", "host.json: version")]
    [InlineData("""[]""", "host.json")]
    public void Load_BadSetting_NamesIt(string json, string setting)
    {
        Assert.Equal(setting, Refused(json).Setting);
    }

    [Fact]
    public void Load_Missing_SaysWhereItLooked()
    {
        var path = Path.Combine(_folder.Path, "host.json");

        var ex = Assert.Throws<RessoConfigurationException>(() => HostJson.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }
}
