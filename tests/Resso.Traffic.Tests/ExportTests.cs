using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Resso.Ml.Data;
using Resso.Ml.Pipeline;
using Resso.Shared.Ingestion;
using Resso.Testing;
using Resso.Traffic.Cli;
using Resso.Traffic.Export;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Tests;

public sealed class ExportTests
{
    /// <summary>A small world: a few hundred users and songs, a few thousand events (duplicates among them).</summary>
    private static readonly string[] Small = ["--users", "300", "--songs", "200", "--clusters", "6", "--events", "3000", "--seed", "7"];

    private static TrafficOptions SmallOptions => new() { Users = 300, Songs = 200, Clusters = 6, Events = 3_000, Seed = 7 };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Task<Run> ExportAsync(string folder, params string[] more) =>
        Run.CommandAsync(["export", "--out", folder, "--no-progress", .. more], Builders.Clock());

    [Fact]
    public async Task Export_SameSeedAtAnotherTime_WritesTheSameFiles()
    {
        using var folder = new TempFolder();
        var first = Path.Combine(folder.Path, "first");
        var second = Path.Combine(folder.Path, "second");
        var otherSeed = Path.Combine(folder.Path, "other");

        Assert.Equal(0, (await ExportAsync(first, Small)).ExitCode);
        // Another clock moves every event's time, not which events there are.
        var later = await Run.CommandAsync(["export", "--out", second, "--no-progress", .. Small], new FakeTimeProvider(Builders.Now.AddDays(40)));
        Assert.Equal(0, later.ExitCode);
        Assert.Equal(0, (await ExportAsync(otherSeed, [.. Small[..^1], "8"])).ExitCode);

        foreach (var file in WorldExporter.Files)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(first, file), Cancel), await File.ReadAllBytesAsync(Path.Combine(second, file), Cancel));
        }

        Assert.NotEqual(
            await File.ReadAllTextAsync(Path.Combine(first, WorldExporter.InteractionsFile), Cancel),
            await File.ReadAllTextAsync(Path.Combine(otherSeed, WorldExporter.InteractionsFile), Cancel));
    }

    [Fact]
    public async Task Export_Interactions_ReadByTheRecommenderAsTheProductWeighsTheDistinctEvents()
    {
        using var folder = new TempFolder();

        var run = await ExportAsync(folder.Path, Small);

        Assert.Equal(0, run.ExitCode);
        var path = Path.Combine(folder.Path, WorldExporter.InteractionsFile);
        Assert.Equal(WorldExporter.InteractionsHeader, (await File.ReadAllLinesAsync(path, Cancel))[0]);
        var data = await InteractionFileReader.ReadAsync(path, cancellationToken: Cancel);
        var read = new Dictionary<(string, string), float>();
        for (var user = 0; user < data.UserCount; user++)
        {
            var items = data.ItemsOf(user);
            var weights = data.WeightsOf(user);
            for (var i = 0; i < items.Length; i++)
            {
                read.Add((data.Users[user], data.Items[items[i]]), weights[i]);
            }
        }

        var events = new TrafficGenerator(SmallOptions, Builders.Clock()).Generate().Select(g => g.Event).ToList();
        var distinct = events.DistinctBy(e => e.EventId).ToList();
        Assert.True(distinct.Count < events.Count, "the traffic re-sends some events, which count once");
        // The product's default weights, with no recency decay.
        var expected = InteractionWeighting.Weigh(distinct, new IngestionOptions().Weights, double.PositiveInfinity, Builders.Now);
        Assert.Equal(expected.Count, data.Count);
        Assert.Equal(expected.OrderBy(p => p.Key), read.OrderBy(p => p.Key));
        Assert.Contains(read.Values, w => w > 5);
        Assert.Contains($"interactions.csv    {expected.Count:N0} rows", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Truth_HasARowForEveryUserWithTheirTrueTaste()
    {
        using var folder = new TempFolder();

        Assert.Equal(0, (await ExportAsync(folder.Path, Small)).ExitCode);

        var generator = new TrafficGenerator(SmallOptions, Builders.Clock());
        var world = generator.World;
        var truth = await ExportCsv.ReadAsync(Path.Combine(folder.Path, WorldExporter.TruthFile), WorldExporter.TruthHeader);
        Assert.Equal(world.Users.Select(u => u.Id), truth.Select(r => r["user"]));
        Assert.All(world.Users, user =>
        {
            var row = truth[user.Index];
            var favourites = new[] { row["favourite_cluster"], row["second_cluster"] }.Where(c => c.Length > 0).Select(int.Parse);
            Assert.Equal(user.FavouriteClusters, favourites);
            Assert.Equal((user.Region, user.IsCreator, user.ActivityRank), (row["region"], bool.Parse(row["creator"]), int.Parse(row["activity_rank"], CultureInfo.InvariantCulture)));
            Assert.Equal(world.Clusters[user.FavouriteClusters[0]].Genre, row["favourite_genre"]);
            var shares = new[] { row["favourite_share"], row["second_share"], row["chart_share"] }.Where(s => s.Length > 0).Sum(s => double.Parse(s, CultureInfo.InvariantCulture));
            Assert.Equal(1, shares, 6);
        });

        var interactions = await ExportCsv.ReadAsync(Path.Combine(folder.Path, WorldExporter.InteractionsFile), WorldExporter.InteractionsHeader);
        var users = truth.Select(r => r["user"]).ToHashSet(StringComparer.Ordinal);
        Assert.All(interactions, r => Assert.Contains(r["user"], users));

        // The truth explains the traffic: most of what users do is with songs of their favourite clusters.
        var songs = await ExportCsv.ReadAsync(Path.Combine(folder.Path, WorldExporter.SongsFile), WorldExporter.SongsHeader);
        var clusterOf = songs.ToDictionary(s => s["song"], s => s["cluster"], StringComparer.Ordinal);
        var favouriteOf = truth.ToDictionary(r => r["user"], r => new[] { r["favourite_cluster"], r["second_cluster"] }, StringComparer.Ordinal);
        var inFavourites = interactions.Count(r => favouriteOf[r["user"]].Contains(clusterOf[r["item"]]));
        Assert.InRange((double)inFavourites / interactions.Count, 0.7, 1);
    }

    [Fact]
    public async Task Export_Songs_DescribeEverySongOfTheWorld()
    {
        using var folder = new TempFolder();

        Assert.Equal(0, (await ExportAsync(folder.Path, Small)).ExitCode);

        var world = SyntheticWorld.Create(SmallOptions);
        var songs = await ExportCsv.ReadAsync(Path.Combine(folder.Path, WorldExporter.SongsFile), WorldExporter.SongsHeader);
        Assert.Equal(world.Songs.Count, songs.Count);
        Assert.Contains(songs, s => s["regions"].Length > 0);
        Assert.All(world.Songs, song =>
        {
            var row = songs[song.Index];
            Assert.Equal(
                (song.Id, song.Details.Title, song.Details.Artist, song.Details.Label, world.Clusters[song.Cluster].Genre, string.Join(' ', song.Details.Regions)),
                (row["song"], row["title"], row["artist"], row["label"], row["genre"], row["regions"]));
            Assert.Equal(
                (song.Cluster, song.PopularityRank, song.Details.DurationMs, song.Hook.StartMs),
                (Int(row["cluster"]), Int(row["popularity_rank"]), Int(row["duration_ms"]), Int(row["hook_start_ms"])));
            Assert.Same(song, world.Clusters[song.Cluster].SongsByPopularity[Int(row["cluster_rank"])]);
        });
    }

    [Fact]
    public async Task Export_DemoSeed_IsTheWorldAndTrafficTheDemoSends()
    {
        // What ./run.sh runs when storage is empty, against a stand-in for the app.
        await using var api = await FakeApi.StartAsync(catalog: true);
        var probe = new FakeProbe(empty: true);
        var demo = await Run.CommandAsync(
            ["--url", api.BaseAddress.ToString(), "--key", "local-dev-key", "--if-empty", "--catalog", "--events", "20000", "--no-progress"],
            Builders.Clock(),
            probe.Factory,
            environment: new Dictionary<string, string> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });
        Assert.Equal(0, demo.ExitCode);
        using var folder = new TempFolder();

        var export = await Run.CommandAsync(["export", "--out", folder.Path, "--events", "20000", "--no-progress"], TimeProvider.System);

        Assert.Equal(0, export.ExitCode);
        var songs = await ExportCsv.ReadAsync(Path.Combine(folder.Path, WorldExporter.SongsFile), WorldExporter.SongsHeader);
        Assert.Equal(api.Songs.Count, songs.Count);
        Assert.All(songs, row =>
        {
            var details = api.Songs[row["song"]].Details;
            Assert.Equal((details.Title, details.Artist, details.Label, string.Join(' ', details.Regions)), (row["title"], row["artist"], row["label"], row["regions"]));
        });
        var sent = api.Batches.SelectMany(b => b.Events).DistinctBy(e => e.EventId);
        var weights = new IngestionOptions().Weights;
        var expected = sent.GroupBy(e => (e.UserId, e.SongId)).ToDictionary(g => g.Key, g => g.Sum(e => weights.Of(e.Action)));
        var interactions = await ExportCsv.ReadAsync(Path.Combine(folder.Path, WorldExporter.InteractionsFile), WorldExporter.InteractionsHeader);
        Assert.Equal(
            expected.OrderBy(p => p.Key),
            interactions.ToDictionary(r => (r["user"], r["item"]), r => double.Parse(r["weight"], CultureInfo.InvariantCulture)).OrderBy(p => p.Key));
    }

    [Fact]
    public async Task Export_FilesExist_RefusesWithoutForceAndReplacesWithIt()
    {
        using var folder = new TempFolder();
        var truth = Path.Combine(folder.Path, WorldExporter.TruthFile);
        await File.WriteAllTextAsync(truth, "keep me", Cancel);

        var refused = await ExportAsync(folder.Path, Small);

        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"error: {truth} already exists; pass --force to replace it.", refused.Error.ReplaceLineEndings("\n").Split('\n')[0]);
        Assert.Equal("keep me", await File.ReadAllTextAsync(truth, Cancel));
        Assert.Equal([truth], Directory.GetFiles(folder.Path));
        Assert.Equal("", refused.Output);

        var forced = await ExportAsync(folder.Path, [.. Small, "--force"]);

        Assert.Equal(0, forced.ExitCode);
        Assert.StartsWith(WorldExporter.TruthHeader, await File.ReadAllTextAsync(truth, Cancel), StringComparison.Ordinal);
        Assert.Equal(WorldExporter.Files.Order(StringComparer.Ordinal), Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Export_OutIsAFile_ExitsWith2()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "world.csv");
        await File.WriteAllTextAsync(file, "", Cancel);

        var run = await ExportAsync(file, Small);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: --out ", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("export")]
    [InlineData("export", "--out")]
    [InlineData("export", "--out", "w", "--target", "file")]
    [InlineData("export", "--out", "w", "--url", "http://127.0.0.1:1")]
    [InlineData("export", "--out", "w", "--catalog")]
    [InlineData("export", "--out", "w", "--batch", "10")]
    [InlineData("export", "--out", "w", "--events", "many")]
    [InlineData("export", "--out", "w", "--bogus")]
    [InlineData("export", "--out", "w", "export")]
    [InlineData("--events", "5", "export", "--out", "w")]
    [InlineData("--target", "file", "--out", "x.jsonl", "--force")]
    public async Task Export_BadOptions_ExitsWith2AndSaysWhyOnOneLine(params string[] args)
    {
        using var folder = new TempFolder();

        var run = await Run.CommandAsync(args, workingDirectory: folder.Path);

        Assert.Equal(2, run.ExitCode);
        var lines = run.Error.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Equal("Run with --help for usage.", lines[1]);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public void Parse_Export_TakesTheWorldDefaultsOfSending()
    {
        var export = CommandLine.Parse(["export", "--out", "w"]);

        Assert.Equal((CommandKind.Export, "w", false), (export.Command, export.Out, export.Force));
        Assert.Equal(CommandLine.Parse([]).Traffic.ToString(), export.Traffic.ToString());
    }

    [Fact]
    public async Task Export_WithProgress_ReportsOnStderrOnly()
    {
        using var folder = new TempFolder();

        var run = await Run.CommandAsync(["export", "--out", folder.Path, .. Small], Builders.Clock());

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("3,000/3,000 events", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("events/s", run.Output, StringComparison.Ordinal);
        Assert.Contains("truth.csv           300 users", run.Output, StringComparison.Ordinal);
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>Reads the export's CSV files: a known header, then rows (quoted fields allowed).</summary>
internal static class ExportCsv
{
    public static async Task<List<Dictionary<string, string>>> ReadAsync(string path, string header)
    {
        var lines = Csv.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        var names = header.Split(',');
        Assert.Equal(names, lines[0]);
        return [.. lines.Skip(1).Select(fields =>
        {
            Assert.Equal(names.Length, fields.Length);
            return names.Zip(fields).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        })];
    }
}
