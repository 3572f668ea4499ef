using System.Runtime.CompilerServices;
using Resso.Ml.Mixes;
using Resso.Ml.Model;
using Resso.Ml.Scoring;
using Resso.Ml.Serving;
using Resso.Ml.Store;

namespace Resso.Ml.Tests.Model;

/// <summary>
/// A model whose item factors are memory-mapped must serve exactly as the same model in arrays: same ids, same scores,
/// bit for bit, for every reader of the item factors.
/// </summary>
public sealed class MappedFactorModelTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("resso-mapped-").FullName;

    public static TheoryData<int, int, int> Shapes => new()
    {
        // items, dimension, seed: below the quantized pass's minimum (float scorer), and above it (8-bit pass + exact re-score).
        { 300, 8, 1 },
        { 5_003, 64, 2 },
        { 9_999, 128, 3 },
    };

    [Fact]
    public void LoadMapped_SavedModel_ReadsTheSameModelWithItemFactorsMapped()
    {
        var model = ModelBuilder.Random(users: 4, items: 50, dimension: 8);

        var mapped = FactorModelSerializer.LoadMapped(Save(model));

        Assert.True(mapped.ItemFactorsMapped);
        Assert.False(model.ItemFactorsMapped);
        Assert.Equal(model.Users, mapped.Users);
        Assert.Equal(model.Items, mapped.Items);
        Assert.Equal(model.ItemFactors.ToArray(), mapped.ItemFactors.ToArray());
        Assert.Equal(model.UserFactors.ToArray(), mapped.UserFactors.ToArray());
        Assert.Equal(model.ItemBiases.ToArray(), mapped.ItemBiases.ToArray());
        Assert.Equal(model.UserBiases.ToArray(), mapped.UserBiases.ToArray());
        Assert.Equal(model.Score(3, 49), mapped.Score(3, 49));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Recommend_MappedModel_RanksExactlyAsTheArrayModel(int items, int dimension, int seed)
    {
        var model = ModelBuilder.Random(users: 4, items: items, dimension: dimension, seed: seed);
        var mapped = FactorModelSerializer.LoadMapped(Save(model));
        var exclude = new ItemBitSet(items, [.. Enumerable.Range(0, items).Where(i => i % 7 == 0)]);
        var allowed = new ItemBitSet(items, [.. Enumerable.Range(0, items).Where(i => i % 5 != 1)]);

        for (var user = 0; user < model.UserCount; user++)
        {
            AssertSame(TopKScorer.RecommendForUser(model, user, 100), TopKScorer.RecommendForUser(mapped, user, 100));
            AssertSame(TopKScorer.RecommendForUser(model, user, 50, exclude, allowed, i => i % 3 != 2),
                TopKScorer.RecommendForUser(mapped, user, 50, exclude, allowed, i => i % 3 != 2));

            // The float scorer serves mapped factors too (machines without AVX-512, small catalogs).
            AssertSame(TopKScorer.RecommendFloat(model, model.UserVector(user), 100, exclude),
                TopKScorer.RecommendFloat(mapped, mapped.UserVector(user), 100, exclude));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SimilarItems_MappedModel_RanksExactlyAsTheArrayModel(int items, int dimension, int seed)
    {
        var model = ModelBuilder.Random(users: 1, items: items, dimension: dimension, seed: seed);
        var mapped = FactorModelSerializer.LoadMapped(Save(model));
        var allowed = new ItemBitSet(items, [.. Enumerable.Range(0, items).Where(i => i % 5 != 1)]);

        foreach (var item in new[] { 0, items / 2, items - 1 })
        {
            AssertSame(TopKScorer.SimilarItems(model, item, 20), TopKScorer.SimilarItems(mapped, item, 20));
            AssertSame(TopKScorer.SimilarItems(model, item, 20, allowed, i => i % 3 != 2), TopKScorer.SimilarItems(mapped, item, 20, allowed, i => i % 3 != 2));
            AssertSame(TopKScorer.SimilarItemsFloat(model, item, 20), TopKScorer.SimilarItemsFloat(mapped, item, 20));
        }
    }

    [Fact]
    public void ScoreAll_MappedModel_EqualsTheArrayModel()
    {
        var model = ModelBuilder.Random(users: 2, items: 3_000, dimension: 64);
        var mapped = FactorModelSerializer.LoadMapped(Save(model));
        var expected = new float[model.ItemCount];
        var actual = new float[model.ItemCount];

        TopKScorer.ScoreAll(model, model.UserVector(1), expected);
        TopKScorer.ScoreAll(mapped, mapped.UserVector(1), actual);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void FoldIn_MappedModel_GivesTheSameVectorAsTheArrayModel()
    {
        var model = ModelBuilder.Random(users: 2, items: 4_000, dimension: 64);
        var mapped = FactorModelSerializer.LoadMapped(Save(model));
        int[] items = [5, 17, 17, 900, 3_999];
        float[] weights = [1, 2, 1, 0.5f, 3];

        var expected = new UserFoldIn(model).FoldIn(items, weights);
        var actual = new UserFoldIn(mapped).FoldIn(items, weights);

        Assert.Equal(expected.Vector, actual.Vector);
        Assert.Equal(expected.Bias, actual.Bias);
        Assert.NotEqual(new float[64], actual.Vector);
    }

    [Fact]
    public void Rerank_MappedModel_PicksAsTheArrayModel()
    {
        var model = ModelBuilder.Random(users: 1, items: 2_500, dimension: 16);
        var mapped = FactorModelSerializer.LoadMapped(Save(model));
        var candidates = TopKScorer.RecommendForUser(model, 0, 200);

        var expected = MaximalMarginalRelevance.Rerank(candidates, model, 30, i => $"artist-{i % 9}", maxPerArtist: 4);
        var actual = MaximalMarginalRelevance.Rerank(candidates, mapped, 30, i => $"artist-{i % 9}", maxPerArtist: 4);

        Assert.Equal(30, expected.Length);
        AssertSame(expected, actual);
    }

    [Fact]
    public void WithoutUser_MappedModel_KeepsTheMappedItemFactors()
    {
        var model = ModelBuilder.Random(users: 3, items: 40, dimension: 8);
        var mapped = FactorModelSerializer.LoadMapped(Save(model));

        var scrubbed = mapped.WithoutUser(1);

        Assert.True(scrubbed.ItemFactorsMapped);
        Assert.Equal(["user-0", "user-2"], scrubbed.Users);
        Assert.Equal(model.ItemFactors.ToArray(), scrubbed.ItemFactors.ToArray());
        Assert.Equal(model.Score(2, 7), scrubbed.Score(1, 7));
    }

    [Fact]
    public void LoadMapped_CorruptFile_IsRefused()
    {
        var path = Save(ModelBuilder.Random(users: 2, items: 30, dimension: 8));
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => FactorModelSerializer.LoadMapped(path));
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadMapped_EmptyFile_IsRefused()
    {
        var path = Path.Combine(_directory, "empty.bin");
        File.WriteAllBytes(path, []);

        Assert.Throws<InvalidDataException>(() => FactorModelSerializer.LoadMapped(path));
    }

    [Fact]
    public void Map_DeleteOnCloseFile_LeavesNoFileAndStillServes()
    {
        var model = ModelBuilder.Random(users: 2, items: 3_000, dimension: 64);
        var path = Save(model);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096, FileOptions.DeleteOnClose);

        var mapped = FactorModelSerializer.Map(file);

        // Linux unlinks at once (the mapping keeps the pages); Windows when the view is unmapped.
        if (!OperatingSystem.IsWindows())
        {
            Assert.False(File.Exists(path));
        }

        AssertSame(TopKScorer.RecommendForUser(model, 1, 25), TopKScorer.RecommendForUser(mapped, 1, 25));
    }

    [Fact]
    public void MappedModel_Unreachable_ItsMappingIsCollected()
    {
        var file = MapAndDrop(Save(ModelBuilder.Random(users: 2, items: 100, dimension: 8)));

        for (var attempt = 0; attempt < 5 && file.IsAlive; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(file.IsAlive);
    }

    [Fact]
    public async Task Swap_MappedModelsUnderReadersAndCollections_ReadersAlwaysRankTheirModelExactly()
    {
        // Each swap maps a fresh copy and drops the previous one, while readers may still rank with it and collections
        // run: an old mapping unmapped under a reader would fault or rank wrongly.
        var arrays = Enumerable.Range(0, 3).Select(seed => ModelBuilder.Random(users: 2, items: 3_000, dimension: 16, seed: seed)).ToArray();
        var paths = arrays.Select(Save).ToArray();
        var expected = arrays.Select(m => (Recommend: TopKScorer.RecommendForUser(m, 1, 20), Similar: TopKScorer.SimilarItems(m, 7, 20))).ToArray();
        var holder = new ModelHolder();
        holder.Swap(Serving(0, paths[0]));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var wrong = 0;
        var reads = 0L;

        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var model = holder.Current!;
                var seed = int.Parse(model.Version, System.Globalization.CultureInfo.InvariantCulture);
                var recommend = TopKScorer.RecommendForUser(model.Factors, 1, 20);
                GC.Collect();
                var similar = TopKScorer.SimilarItems(model.Factors, 7, 20);
                if (!recommend.SequenceEqual(expected[seed].Recommend) || !similar.SequenceEqual(expected[seed].Similar))
                {
                    Interlocked.Increment(ref wrong);
                }

                Interlocked.Increment(ref reads);
            }
        })).ToArray();
        var swaps = 0;
        while (!stop.IsCancellationRequested)
        {
            var seed = ++swaps % 3;
            holder.Swap(Serving(seed, paths[seed]));
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        await Task.WhenAll(readers);
        Assert.Equal(0, wrong);
        Assert.True(swaps > 10 && reads > 10, $"{swaps} swaps, {reads} reads");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ServingModel Serving(int seed, string path)
    {
        var factors = FactorModelSerializer.LoadMapped(path);
        var manifest = new ModelManifest(seed.ToString(System.Globalization.CultureInfo.InvariantCulture), default, new DataWindow(0, 1, factors.ItemCount, 0, null, null),
            new Dictionary<string, string>(), false, 0, new ModelMetrics(10, 0, 0, 0, 0, 0, 0), new PublishDecision(true, 0, null, null, 0, ""), "", "test");
        return new ServingModel(manifest, factors, new Dictionary<string, IReadOnlyList<string>>(), default);
    }

    // In its own frame, so that nothing on the test's stack keeps the model.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference MapAndDrop(string path)
    {
        var mapped = FactorModelSerializer.LoadMapped(path);
        Assert.True(mapped.ItemFactorsMapped);
        Assert.Equal(100, TopKScorer.RecommendForUser(mapped, 0, 100).Length);
        Assert.True(mapped.ItemFile!.IsMapped);
        return new WeakReference(mapped.ItemFile);
    }

    private static void AssertSame(ScoredItem[] expected, ScoredItem[] actual)
    {
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(r => r.Item), actual.Select(r => r.Item));
        Assert.Equal(expected.Select(r => r.Score), actual.Select(r => r.Score));
    }

    private string Save(FactorModel model)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, FactorModelSerializer.ToBytes(model));
        return path;
    }
}
