using System.Globalization;

namespace Resso.Ml.Data;

/// <summary>
/// Reads interactions from a delimited text file of <c>user, item[, weight]</c> lines.
/// </summary>
/// <remarks>
/// Fields are separated by a tab or, in lines without a tab, by a comma. The first line is taken as a
/// header when its weight field is not a number, or, in a two-field file, when its fields are named like
/// a header (<c>user</c>, <c>item</c>, <c>song</c>, <c>artist</c>). Empty lines and lines starting with
/// <c>#</c> are skipped. A missing weight is 1.
/// </remarks>
public static class InteractionFileReader
{
    /// <summary>Reads an interaction file.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="builder">A builder to add to (e.g. one seeded with a model's ids); a new one when null.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InteractionFormatException">A line is malformed; the message names the line.</exception>
    public static async Task<InteractionData> ReadAsync(string path, InteractionDataBuilder? builder = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        builder ??= new InteractionDataBuilder();
        await AddAsync(reader, builder, Path.GetFileName(path), cancellationToken).ConfigureAwait(false);
        return builder.Build();
    }

    /// <summary>Adds the interactions of a delimited text to <paramref name="builder"/>.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="builder">Receives the interactions.</param>
    /// <param name="sourceName">Names the input in error messages.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The number of interactions read.</returns>
    /// <exception cref="InteractionFormatException">A line is malformed; the message names the line.</exception>
    public static async Task<int> AddAsync(TextReader reader, InteractionDataBuilder builder, string sourceName = "input", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(builder);
        var lineNumber = 0;
        var count = 0;
        var sawData = false;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            var trimmed = line.AsSpan().Trim();
            if (trimmed.IsEmpty || trimmed[0] == '#')
            {
                continue;
            }

            var separator = line.Contains('\t', StringComparison.Ordinal) ? '\t' : ',';
            var fields = line.Split(separator);
            if (fields.Length is < 2 or > 3)
            {
                throw new InteractionFormatException(sourceName, lineNumber,
                    $"expected 2 or 3 fields (user, item[, weight]) separated by a tab or a comma, found {fields.Length}.");
            }

            var user = fields[0].Trim();
            var item = fields[1].Trim();
            var weight = 1f;
            if (fields.Length == 3
                && !float.TryParse(fields[2].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out weight))
            {
                if (!sawData)
                {
                    sawData = true;
                    continue;
                }

                throw new InteractionFormatException(sourceName, lineNumber, $"weight '{fields[2].Trim()}' is not a number.");
            }

            if (!sawData && fields.Length == 2 && IsHeader(user, item))
            {
                sawData = true;
                continue;
            }

            sawData = true;
            if (user.Length == 0)
            {
                throw new InteractionFormatException(sourceName, lineNumber, "the user id is empty.");
            }

            if (item.Length == 0)
            {
                throw new InteractionFormatException(sourceName, lineNumber, "the item id is empty.");
            }

            if (!float.IsFinite(weight) || weight < 0)
            {
                throw new InteractionFormatException(sourceName, lineNumber, $"weight {fields[2].Trim()} must be a finite, non-negative number.");
            }

            builder.Add(user, item, weight);
            count++;
        }

        return count;
    }

    private static bool IsHeader(string user, string item) =>
        user.Contains("user", StringComparison.OrdinalIgnoreCase)
        || item.Contains("item", StringComparison.OrdinalIgnoreCase)
        || item.Contains("song", StringComparison.OrdinalIgnoreCase)
        || item.Contains("artist", StringComparison.OrdinalIgnoreCase);
}
