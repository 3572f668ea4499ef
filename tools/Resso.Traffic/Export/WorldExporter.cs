using System.Globalization;
using System.Text;
using Resso.Shared.Ingestion;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Export;

/// <summary>What an export wrote.</summary>
/// <param name="Events">Events drawn, duplicates included.</param>
/// <param name="Duplicates">Events that re-sent an earlier one; the product counts them once, and so does the export.</param>
/// <param name="Interactions">Rows of <c>interactions.csv</c>: distinct (user, song) pairs.</param>
/// <param name="InteractingUsers">Users with at least one interaction.</param>
/// <param name="InteractedSongs">Songs with at least one interaction.</param>
/// <param name="Users">Rows of <c>truth.csv</c>: every user of the world.</param>
/// <param name="Songs">Rows of <c>songs.csv</c>: every song of the world.</param>
public sealed record WorldExportSummary(long Events, long Duplicates, int Interactions, int InteractingUsers, int InteractedSongs, int Users, int Songs);

/// <summary>
/// Writes a synthetic world and its traffic offline, as CSV files with the ground truth: the
/// interactions the traffic adds up to, weighed as the product weighs them; each user's true taste;
/// each song. The same generator options give the same files, whatever the clock.
/// </summary>
/// <remarks>
/// The product counts an event id once and sums the <see cref="ActionWeights"/> of a user's
/// distinct events with a song (<c>UserSongInteraction</c>); training then decays them by age,
/// which the export leaves out, as the events' times depend on when they are drawn.
/// </remarks>
public sealed class WorldExporter(TrafficGenerator generator)
{
    /// <summary><c>user,item,weight</c>: one row per (user, song) with the sum of the product's weights of their events.</summary>
    public const string InteractionsFile = "interactions.csv";

    /// <summary>One row per user: region, creator or not, activity rank, favourite clusters and how often a song comes from each.</summary>
    public const string TruthFile = "truth.csv";

    /// <summary>One row per song: details, cluster and genre, regions, popularity.</summary>
    public const string SongsFile = "songs.csv";

    /// <summary>The header of <see cref="InteractionsFile"/>.</summary>
    public const string InteractionsHeader = "user,item,weight";

    /// <summary>The header of <see cref="TruthFile"/>.</summary>
    public const string TruthHeader =
        "user,region,creator,activity_rank,favourite_cluster,favourite_genre,favourite_share,second_cluster,second_genre,second_share,chart_share";

    /// <summary>The header of <see cref="SongsFile"/>.</summary>
    public const string SongsHeader =
        "song,title,artist,label,cluster,genre,regions,popularity_rank,cluster_rank,duration_ms,hook_start_ms,hook_end_ms";

    private const string PartialSuffix = ".partial";

    private long _eventsDrawn;

    /// <summary>The files an export writes, in the order it writes them.</summary>
    public static IReadOnlyList<string> Files { get; } = [InteractionsFile, TruthFile, SongsFile];

    /// <summary>The product's weight of each action.</summary>
    /// <value>The product's defaults (<c>IngestionOptions.Weights</c>).</value>
    public ActionWeights Weights { get; init; } = new();

    /// <summary>Events drawn so far by <see cref="WriteAsync"/>, duplicates included; read by the progress line.</summary>
    public long EventsDrawn => Volatile.Read(ref _eventsDrawn);

    /// <summary>The paths of <see cref="Files"/> that already exist in <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> ExistingFiles(string folder) =>
        [.. Files.Select(f => Path.Combine(folder, f)).Where(Path.Exists)];

    /// <summary>
    /// Draws the traffic and writes <see cref="Files"/> into <paramref name="folder"/>, creating it
    /// if needed. Each file is written beside its final name and moved into place once all are
    /// complete, so an interrupted export leaves no half-written file under a final name.
    /// </summary>
    /// <param name="folder">Where the files go.</param>
    /// <param name="overwrite">Replace files that exist; without it an existing file fails the export.</param>
    /// <param name="cancellationToken">Stops drawing and writing.</param>
    /// <exception cref="IOException">A file exists and <paramref name="overwrite"/> is false, or a write failed.</exception>
    public async Task<WorldExportSummary> WriteAsync(string folder, bool overwrite, CancellationToken cancellationToken = default)
    {
        var (weights, events, duplicates) = Weigh(cancellationToken);
        Directory.CreateDirectory(folder);
        var partials = Files.Select(f => Path.Combine(folder, f + PartialSuffix)).ToArray();
        try
        {
            await WriteInteractionsAsync(partials[0], weights, cancellationToken);
            await WriteTruthAsync(partials[1], cancellationToken);
            await WriteSongsAsync(partials[2], cancellationToken);
            if (!overwrite && ExistingFiles(folder) is [var existing, ..])
            {
                throw new IOException($"{existing} already exists.");
            }

            for (var i = 0; i < Files.Count; i++)
            {
                File.Move(partials[i], Path.Combine(folder, Files[i]), overwrite);
            }
        }
        finally
        {
            foreach (var partial in partials)
            {
                File.Delete(partial);
            }
        }

        var world = generator.World;
        return new WorldExportSummary(
            events,
            duplicates,
            weights.Count,
            weights.Keys.Select(k => k / world.Songs.Count).Distinct().Count(),
            weights.Keys.Select(k => k % world.Songs.Count).Distinct().Count(),
            world.Users.Count,
            world.Songs.Count);
    }

    /// <summary>Weight per user index × song count + song index, over the distinct events.</summary>
    private (SortedDictionary<long, double> Weights, long Events, long Duplicates) Weigh(CancellationToken cancellationToken)
    {
        var world = generator.World;
        var sums = new Dictionary<long, double>();
        long events = 0, duplicates = 0;
        Volatile.Write(ref _eventsDrawn, 0);
        foreach (var (e, isDuplicate) in generator.Generate())
        {
            if ((++events & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Volatile.Write(ref _eventsDrawn, events);
            }

            if (isDuplicate)
            {
                duplicates++;
                continue;
            }

            var key = ((long)world.User(e.UserId).Index * world.Songs.Count) + world.Song(e.SongId).Index;
            sums[key] = sums.GetValueOrDefault(key) + Weights.Of(e.Action);
        }

        Volatile.Write(ref _eventsDrawn, events);
        return (new SortedDictionary<long, double>(sums), events, duplicates);
    }

    private async Task WriteInteractionsAsync(string path, SortedDictionary<long, double> weights, CancellationToken cancellationToken)
    {
        var world = generator.World;
        await WriteCsvAsync(path, InteractionsHeader, weights.Select(pair => Row(
            world.Users[(int)(pair.Key / world.Songs.Count)].Id,
            world.Songs[(int)(pair.Key % world.Songs.Count)].Id,
            Weight(pair.Value))), cancellationToken);
    }

    private async Task WriteTruthAsync(string path, CancellationToken cancellationToken)
    {
        var world = generator.World;
        var chartShare = Share(1 - generator.Options.FavouriteClusterShare);
        await WriteCsvAsync(path, TruthHeader, world.Users.Select(user =>
        {
            var shares = generator.ClusterShares(user);
            var favourite = user.FavouriteClusters[0];
            var second = user.FavouriteClusters.Count > 1 ? world.Clusters[user.FavouriteClusters[1]] : null;
            return Row(
                user.Id,
                user.Region,
                user.IsCreator ? "true" : "false",
                Number(user.ActivityRank),
                Number(favourite),
                world.Clusters[favourite].Genre,
                Share(shares[0]),
                second is null ? "" : Number(second.Index),
                second?.Genre ?? "",
                second is null ? "" : Share(shares[1]),
                chartShare);
        }), cancellationToken);
    }

    private async Task WriteSongsAsync(string path, CancellationToken cancellationToken)
    {
        var world = generator.World;
        var clusterRank = new int[world.Songs.Count];
        foreach (var cluster in world.Clusters)
        {
            for (var rank = 0; rank < cluster.SongsByPopularity.Count; rank++)
            {
                clusterRank[cluster.SongsByPopularity[rank].Index] = rank;
            }
        }

        await WriteCsvAsync(path, SongsHeader, world.Songs.Select(song => Row(
            song.Id,
            song.Details.Title,
            song.Details.Artist,
            song.Details.Label,
            Number(song.Cluster),
            world.Clusters[song.Cluster].Genre,
            string.Join(' ', song.Details.Regions),
            Number(song.PopularityRank),
            Number(clusterRank[song.Index]),
            Number(song.Details.DurationMs),
            Number(song.Hook.StartMs),
            Number(song.Hook.EndMs))), cancellationToken);
    }

    private static async Task WriteCsvAsync(string path, string header, IEnumerable<string> rows, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16, useAsync: true);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        await writer.WriteLineAsync(header);
        var written = 0;
        foreach (var row in rows)
        {
            if ((++written & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            await writer.WriteLineAsync(row);
        }
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A probability, rounded: 0.32 rather than 0.32000000000000006.</summary>
    private static string Share(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>A weight, exact (the shortest text that reads back as the same double).</summary>
    private static string Weight(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Row(params ReadOnlySpan<string> fields)
    {
        var line = new StringBuilder();
        for (var i = 0; i < fields.Length; i++)
        {
            var field = fields[i];
            if (i > 0)
            {
                line.Append(',');
            }

            // RFC 4180: the generated names hold no separators today, but a field that did would be quoted.
            line.Append(field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? '"' + field.Replace("\"", "\"\"", StringComparison.Ordinal) + '"' : field);
        }

        return line.ToString();
    }
}
