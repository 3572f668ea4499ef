using Resso.Ml.Data;
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

    [Fact]
    public void Scorer_DataWithSongsTheModelLacks_IsRefused()
    {
        // The model knows four songs, the data only the first three: a recommended fourth song has no slot in the data's scores.
        var model = Build(4, PipelineMode.Popularity, [1, 2, 3, 4]);
        var data = Data(model.Items.Take(3), [0], [0]);

        Assert.Throws<ArgumentException>(() => model.Scorer(data, 2));
    }

    [Fact]
    public void Scorer_DataWithMoreSongsThanTheModel_ScoresTheModelsSongsAndIgnoresTheOthers()
    {
        // The data has a fifth song the model never saw (appended after training); the listener has it and song 0.
        var model = Build(4, PipelineMode.Popularity, [4, 3, 2, 1]);
        var data = Data(model.Items.Append("new-song"), [0, 0], [0, 4]);
        var scores = new float[5];

        model.Scorer(data, 2)(0, scores);

        Assert.Equal([float.NegativeInfinity, 2, 1, float.NegativeInfinity, float.NegativeInfinity], scores);
    }

    [Fact]
    public void Reach_PopularityOfTheTrainingData_IsTheShareOfListenersWhoUsedEachSong()
    {
        // 300 listeners: all used song 0, three used song 1, none song 2 (a song the data names but nobody used).
        const int listeners = 300;
        var ffm = ModelBuilder.Random(users: listeners, items: 3, dimension: 4);
        int[] users = [.. Enumerable.Range(0, listeners), 0, 1, 2];
        int[] songs = [.. Enumerable.Repeat(0, listeners), 1, 1, 1];
        var data = InteractionData.Create(ffm.Users, ffm.Items, users, songs, [.. Enumerable.Repeat(2.5f, users.Length)]);
        var model = new PipelineModel(ffm.Items, PipelineMode.Popularity, ffm, als: null, alsOptions: null, ease: null, PipelineTrainer.Popularity(data),
            recentPopularity: null, ranker: null, candidatesPerGenerator: 5);

        Assert.Equal(1.0, model.Reach(0));
        Assert.Equal(0.01, model.Reach(1), 12);
        Assert.Equal(0.0, model.Reach(2));
        var reach = model.SongReach();
        Assert.Equal(0.01, reach(ffm.Items[1]), 12);
        Assert.Equal(0.0, reach("not-in-the-model"));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Reach(3));
    }

    private static PipelineModel Build(int songs, PipelineMode mode, float[] popularity)
    {
        var ffm = ModelBuilder.Random(users: 2, items: songs, dimension: 4);
        return new PipelineModel(ffm.Items, mode, ffm, als: null, alsOptions: null, ease: null, popularity, recentPopularity: null, ranker: null,
            candidatesPerGenerator: 5);
    }

    private static InteractionData Data(IEnumerable<string> items, int[] users, int[] songs) =>
        InteractionData.Create(new IdMap(["listener"]), new IdMap(items), users, songs, [.. Enumerable.Repeat(1f, users.Length)]);
}
