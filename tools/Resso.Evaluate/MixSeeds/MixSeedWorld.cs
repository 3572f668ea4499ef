using System.Globalization;
using System.Text;

namespace Resso.Evaluate.MixSeeds;

/// <summary>What the traffic generator knows of a listener (a row of <c>truth.csv</c>).</summary>
/// <param name="Region">Home region.</param>
/// <param name="Creator">Whether the listener makes videos.</param>
/// <param name="Favourite">The preferred taste cluster.</param>
/// <param name="Second">The second favourite cluster, or null.</param>
internal sealed record ListenerTruth(string Region, bool Creator, int Favourite, int? Second)
{
    /// <summary>A song of this cluster is in the listener's true taste.</summary>
    public bool Likes(int cluster) => cluster == Favourite || cluster == Second;
}

/// <summary>A row of <c>songs.csv</c>.</summary>
/// <param name="Title">Title.</param>
/// <param name="Artist">Artist.</param>
/// <param name="Cluster">Taste cluster.</param>
/// <param name="PopularityRank">0 for the most popular song overall.</param>
/// <param name="Regions">Where it plays; empty for everywhere.</param>
internal sealed record SongTruth(string Title, string Artist, int Cluster, int PopularityRank, IReadOnlyList<string> Regions);

/// <summary>
/// The ground truth of an exported world (<c>Resso.Traffic export</c>: <c>truth.csv</c> and <c>songs.csv</c>, RFC 4180 with a
/// header line), read by column name so that added columns do not matter.
/// </summary>
internal sealed record MixSeedWorld(IReadOnlyDictionary<string, ListenerTruth> Listeners, IReadOnlyDictionary<string, SongTruth> Songs)
{
    public static async Task<MixSeedWorld> ReadAsync(string folder, CancellationToken cancellationToken = default)
    {
        var listeners = new Dictionary<string, ListenerTruth>(StringComparer.Ordinal);
        foreach (var row in await ReadCsvAsync(Path.Combine(folder, "truth.csv"), cancellationToken))
        {
            var second = row["second_cluster"];
            listeners[row["user"]] = new ListenerTruth(
                row["region"],
                bool.Parse(row["creator"]),
                Int(row["favourite_cluster"]),
                string.IsNullOrWhiteSpace(second) ? null : Int(second));
        }

        var songs = new Dictionary<string, SongTruth>(StringComparer.Ordinal);
        foreach (var row in await ReadCsvAsync(Path.Combine(folder, "songs.csv"), cancellationToken))
        {
            songs[row["song"]] = new SongTruth(
                row["title"],
                row["artist"],
                Int(row["cluster"]),
                Int(row["popularity_rank"]),
                row["regions"].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return new MixSeedWorld(listeners, songs);
    }

    private static int Int(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>Rows as column name → field; a missing column or a short row is a <see cref="FormatException"/>.</summary>
    private static async Task<List<Dictionary<string, string>>> ReadCsvAsync(string path, CancellationToken cancellationToken)
    {
        var lines = await File.ReadAllLinesAsync(path, cancellationToken);
        if (lines.Length == 0)
        {
            throw new FormatException($"{path} is empty; it needs a header line.");
        }

        var header = Fields(lines[0]);
        var rows = new List<Dictionary<string, string>>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var fields = Fields(lines[i]);
            if (fields.Count != header.Count)
            {
                throw new FormatException($"{path} line {i + 1} has {fields.Count} fields, the header {header.Count}.");
            }

            var row = new Dictionary<string, string>(header.Count, StringComparer.Ordinal);
            for (var c = 0; c < header.Count; c++)
            {
                row[header[c]] = fields[c];
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The fields of one line: commas separate, a quoted field may hold commas and doubled quotes.</summary>
    internal static List<string> Fields(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
