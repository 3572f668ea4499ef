using Resso.Shared.Configuration;
using Resso.Functions.Worker.Tests.Harness;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests;

/// <summary>
/// The Functions host binds the queue triggers to Resso__Storage__SongUsedQueue and
/// Resso__Storage__ModelRetrainQueue before the app starts; the worker refuses to start when they
/// are missing or name other queues than the ones it sends to (a prefix the host cannot add).
/// </summary>
public sealed class TriggerSettingsTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("song-used", "is \"song-used\"")] // the unprefixed name while the app sends to the prefixed one
    [InlineData("", "is not set")]
    public async Task QueueTriggerSetting_NotTheQueueTheAppSendsTo_StopsStartUpNamingIt(string value, string problem)
    {
        var ex = await Assert.ThrowsAsync<InvalidSettingsException>(async () =>
        {
            await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Resso:Storage:SongUsedQueue"] = value }, storagePrefix: "trig");
        });

        var failure = Assert.Single(ex.Problems);
        Assert.Equal("Resso__Storage__SongUsedQueue", failure.Setting);
        Assert.StartsWith($"{problem};", failure.Problem, StringComparison.Ordinal);
        Assert.Contains("Set it to \"trigsong-used\"", failure.Problem, StringComparison.Ordinal);
    }
}
