using System.Globalization;
using Resso.Ml.Data;
using Resso.Ml.Pipeline;
using Resso.Ml.Ranking;
using Resso.Ml.Training;

namespace Resso.Evaluate.MixSeeds;

/// <summary>
/// <c>mix-seeds</c>: "Because you used …" seeds against the true taste of an exported world, before and after weighing seeds
/// by reach.
/// </summary>
internal static class MixSeedsCommand
{
    public const string Name = "mix-seeds";

    public const string Usage = """
        "Because you used …" mixes against the true taste of a world exported by Resso.Traffic: the product's
        pipeline is trained on interactions.csv as the training service trains it, then a sample of listeners
        gets its mixes with seeds by significance (before) and by significance · log(1 / reach) (after).

        usage: Resso.Evaluate mix-seeds --world <folder> [--users <n>]

          --world <folder>         the export folder (interactions.csv, truth.csv, songs.csv)
          --users <n>              listeners sampled, every k-th by id among those with an interaction (default 500)
          --help                   show this help
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TimeProvider time, CancellationToken cancellationToken)
    {
        string? folder = null;
        var users = 500;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h" or "-?":
                    Console.WriteLine(Usage);
                    return 0;
                case "--world" when i + 1 < args.Count:
                    folder = args[++i];
                    break;
                case "--users" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0:
                    users = n;
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync($"error: unexpected or incomplete argument '{args[i]}'.\n{Usage}");
                    return 2;
            }
        }

        if (folder is null)
        {
            await Console.Error.WriteLineAsync($"error: --world is required.\n{Usage}");
            return 2;
        }

        var started = time.GetTimestamp();
        InteractionData data;
        MixSeedWorld world;
        try
        {
            data = await InteractionFileReader.ReadAsync(Path.Combine(folder, "interactions.csv"), cancellationToken: cancellationToken);
            world = await MixSeedWorld.ReadAsync(folder, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or KeyNotFoundException)
        {
            await Console.Error.WriteLineAsync($"error: cannot read the world: {exception.Message}");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"world: {folder}: {data.UserCount} listeners with events, {data.ItemCount} songs, {data.Count} interactions, {world.Listeners.Count} truth rows"));

        // As TrainingService: the served pipeline is trained on the part of the data not held out to judge publishing. The export has
        // no times, so there is no recent popularity and no recency halving of weights.
        var options = new RecommenderOptions();
        var split = InteractionSplitter.SplitStable(data, options.HoldoutFraction, options.Seed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training the product pipeline on {split.Train.Count} interactions"));
        var status = new SyncProgress<string>(line => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {time.GetElapsedTime(started).TotalSeconds,6:F1} s  {line}")));
        var trained = new PipelineTrainer(new FfmTrainer(), time).Train(split.Train, options.PipelineOptions(TrainingService.K), recentPopularity: null, status, cancellationToken);
        var model = trained.Model;

        var listeners = MixSeedEvaluation.Sample(data, world, users);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"building mixes for {listeners.Count} listeners"));
        var (before, after) = MixSeedEvaluation.Run(data, world, model.Ffm, model.SongReach(), MixSeedEvaluation.Chart(model), listeners);
        var creators = listeners.ConvertAll(l => world.Listeners[l].Creator);
        var reports = new[]
        {
            MixSeedEvaluation.Report("all", before, after, [.. listeners.Select(_ => true)]),
            MixSeedEvaluation.Report("creators", before, after, creators),
            MixSeedEvaluation.Report("non-creators", before, after, [.. creators.Select(c => !c)]),
        };
        Console.WriteLine();
        Console.WriteLine(MixSeedEvaluation.Table(reports));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total time {time.GetElapsedTime(started).TotalSeconds:F1} s"));
        return 0;
    }
}
