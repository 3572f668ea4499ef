using System.Text.Json;
using Resso.Ml.Store;

namespace Resso.Ml.Tests.Store;

public sealed class ModelManifestTests
{
    private static ModelManifest Manifest(PublishDecision decision) => new(
        "v2", DateTimeOffset.UnixEpoch, new DataWindow(10, 2, 3, 4, null, null), new Dictionary<string, string>(), false, 1.5,
        new ModelMetrics(10, 2, 0.2, 0.1, 0.1, 0.5, 0.1), decision, "00", "test");

    [Fact]
    public void Deserialize_ManifestWrittenBeforeTheDifference_ReadsWithoutIt()
    {
        var json = JsonSerializer.Serialize(Manifest(new PublishDecision(false, 0.1, "v1", 0.2, 0.01, "worse")), ModelStoreJsonContext.Default.ModelManifest);
        // What older versions wrote: the decision has no "difference" member at all.
        var old = json.Replace("\"difference\": null", "\"unknown\": 1", StringComparison.Ordinal);
        Assert.DoesNotContain("difference", old, StringComparison.Ordinal);

        var read = JsonSerializer.Deserialize(old, ModelStoreJsonContext.Default.ModelManifest);

        Assert.NotNull(read);
        Assert.Null(read.Decision.Difference);
        Assert.Equal("worse", read.Decision.Reason);
    }

    [Fact]
    public void Serialize_DecisionWithDifference_RoundTrips()
    {
        var decision = new PublishDecision(true, 0.2, "v1", 0.21, 0.01, "fine", new NdcgDifference(-0.01, -0.03, 0.01, 250, 0.95));

        var json = JsonSerializer.Serialize(Manifest(decision), ModelStoreJsonContext.Default.ModelManifest);
        var read = JsonSerializer.Deserialize(json, ModelStoreJsonContext.Default.ModelManifest);

        Assert.Equal(decision, read?.Decision);
        Assert.Contains("\"difference\": {", json, StringComparison.Ordinal);
    }
}
