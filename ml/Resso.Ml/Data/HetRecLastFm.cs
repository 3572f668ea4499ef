using System.Globalization;

namespace Resso.Ml.Data;

/// <summary>The HetRec 2011 Last.fm 2K data set: user–artist play counts and artist names.</summary>
/// <param name="Interactions">Users (ids from <c>userID</c>) and artists (ids from <c>artistID</c>) with play counts as weights.</param>
/// <param name="ArtistNames">Artist id to display name; empty when <c>artists.dat</c> was not read.</param>
public sealed record HetRecDataset(InteractionData Interactions, IReadOnlyDictionary<string, string> ArtistNames);

/// <summary>Reads the HetRec 2011 Last.fm 2K folder (<c>user_artists.dat</c>, optionally <c>artists.dat</c>).</summary>
public static class HetRecLastFm
{
    /// <summary>The file of user–artist play counts.</summary>
    public const string UserArtistsFile = "user_artists.dat";

    /// <summary>The file of artist names.</summary>
    public const string ArtistsFile = "artists.dat";

    /// <summary>Reads the data set from <paramref name="folder"/>.</summary>
    /// <param name="folder">The unpacked <c>hetrec2011-lastfm-2k</c> folder.</param>
    /// <param name="readArtistNames">Whether to read artist names from <c>artists.dat</c> when it exists.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="FileNotFoundException"><c>user_artists.dat</c> is missing.</exception>
    /// <exception cref="InteractionFormatException">A line is malformed.</exception>
    public static async Task<HetRecDataset> LoadAsync(string folder, bool readArtistNames = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var interactionsPath = Path.Combine(folder, UserArtistsFile);
        if (!File.Exists(interactionsPath))
        {
            throw new FileNotFoundException($"'{folder}' holds no {UserArtistsFile}: not a HetRec Last.fm 2K folder.", interactionsPath);
        }

        var interactions = await InteractionFileReader.ReadAsync(interactionsPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var artistsPath = Path.Combine(folder, ArtistsFile);
        if (readArtistNames && File.Exists(artistsPath))
        {
            using var reader = new StreamReader(artistsPath, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var lineNumber = 0;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lineNumber++;
                var fields = line.Split('\t');
                if (lineNumber == 1 && fields[0] == "id")
                {
                    continue;
                }

                if (fields.Length < 2 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    if (line.Length == 0)
                    {
                        continue;
                    }

                    throw new InteractionFormatException(ArtistsFile, lineNumber, "expected 'id<TAB>name<TAB>…' with a numeric id.");
                }

                names[fields[0]] = fields[1];
            }
        }

        return new HetRecDataset(interactions, names);
    }
}
