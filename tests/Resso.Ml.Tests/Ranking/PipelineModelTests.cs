using Resso.Ml.Ranking;
using Resso.Ml.Scoring;

namespace Resso.Ml.Tests.Ranking;

public sealed class PipelineModelTests
{
    [Fact]
    public void Recommend_PopularityWithAllowedSongsBeyondTheThousandMostPopular_ReturnsTheMostPopularAllowed()
    {
        // Song i has popularity 1,500 − i; only the 100 least popular are allowed (a small regional catalogue).
        var model = Build(1_500, PipelineMode.Popularity, [.. Enumerable.Range(0, 1_500).Select(i => (float)(1_500 - i))]);
        var allowed = new ItemBitSet(1_500, [.. Enumerable.Range(1_400, 100)]);
        var exclude = new ItemBitSet(1_500, [1_401]);

        var top = model.Recommend([3], [], 10, exclude, allowed);

        Assert.Equal([1_400, 1_402, 1_403, 1_404, 1_405, 1_406, 1_407, 1_408, 1_409, 1_410], top.Select(r => r.Item));
        Assert.Equal(1_200, model.Recommend([3], [], 1_200).Length);
    }

    private static PipelineModel Build(int songs, PipelineMode mode, float[] popularity)
    {
        var ffm = ModelBuilder.Random(users: 2, items: songs, dimension: 4);
        return new PipelineModel(ffm.Items, mode, ffm, als: null, alsOptions: null, ease: null, popularity, recentPopularity: null, ranker: null,
            candidatesPerGenerator: 5);
    }
}
