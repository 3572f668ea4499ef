using System.Globalization;
using System.Text;

namespace Resso.Load.Reporting;

/// <summary>Numbers as the reports print them (invariant culture, thousands separated).</summary>
internal static class Format
{
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Rate(double value) => value.ToString(value >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds to three significant digits or so: 0.412, 4.21, 42.1, 421, 4,210.</summary>
    public static string Ms(double value) => value.ToString(
        value switch { < 1 => "0.000", < 10 => "0.00", < 100 => "0.0", _ => "N0" },
        CultureInfo.InvariantCulture);

    public static string MegabytesPerSecond(double bytesPerSecond) =>
        (bytesPerSecond / 1_000_000).ToString(bytesPerSecond >= 100_000_000 ? "N0" : "0.00", CultureInfo.InvariantCulture);

    /// <summary>A share as a percentage: 41 %, 4.1 %, 0.04 %, &lt;0.01 % (never 0 % for something that happened).</summary>
    public static string Percent(double ratio) => ratio switch
    {
        0 => "0 %",
        < 0.0001 => "<0.01 %",
        _ => (ratio * 100).ToString(ratio switch { >= 0.1 => "0", >= 0.001 => "0.0", _ => "0.00" }, CultureInfo.InvariantCulture) + " %",
    };

    public static string Times(double ratio) => ratio.ToString(ratio >= 10 ? "0" : "0.0#", CultureInfo.InvariantCulture) + "×";

    public static string Duration(TimeSpan span) => span switch
    {
        { TotalSeconds: 0 } => "0 s",
        { TotalSeconds: < 1 } => span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms",
        { TotalMinutes: >= 2 } when span.TotalMinutes == Math.Floor(span.TotalMinutes) => span.TotalMinutes.ToString("0", CultureInfo.InvariantCulture) + " min",
        _ => span.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture) + " s",
    };

    /// <summary>An aligned plain-text table: the first column left-aligned, the others right-aligned.</summary>
    public static string Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.Prepend(headers).ToList();
        var widths = headers.Select((_, c) => all.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in all)
        {
            var line = string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])));
            text.Append(line.TrimEnd()).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A markdown table; columns after <paramref name="textColumns"/> are right-aligned numbers.</summary>
    public static string MarkdownTable(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, int textColumns)
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", headers.Select(Cell)).Append(" |\n");
        text.Append('|').AppendJoin("|", headers.Select((_, c) => c < textColumns ? " --- " : " ---: ")).Append("|\n");
        foreach (var row in rows)
        {
            text.Append("| ").AppendJoin(" | ", row.Select(Cell)).Append(" |\n");
        }

        return text.ToString();

        static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal);
    }
}
