using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Resso.Functions.Worker.Tests.Harness;

/// <summary>
/// Compares two hosts' answers to the same request. Equal status and compared headers; bodies equal
/// as JSON, except values that differ by nature between two runs, which must still have the same
/// shape: timestamps (both parse as dates), durations and ages (both numbers), and signed tokens,
/// claim codes and generated ids inside strings (the same text once every run of 16 or more
/// token characters is masked, and claim codes too), trace ids (present on both), time-decayed
/// scores (within 0.1 %), queue backlog figures (a number or null on both: each host drains its
/// queues on its own schedule), and Cache-Control (the same directives in any order: an HTTP client
/// re-renders the header it parsed).
/// </summary>
internal static partial class AnswerComparison
{
    /// <summary>Numeric properties whose value depends on when the request ran.</summary>
    private static readonly HashSet<string> TimeDependentNumbers = new(StringComparer.OrdinalIgnoreCase)
    {
        "ageSeconds", "latencyMs", "elapsedMs", "durationMs", "expiresInSeconds",
    };

    /// <summary>Numeric properties computed from the clock (time decay): equal within 0.1 %.</summary>
    private static readonly HashSet<string> TimeDecayedNumbers = new(StringComparer.OrdinalIgnoreCase) { "score" };

    /// <summary>
    /// Health's queue figures: they depend on how far each host's queue processing got when it
    /// answered (the self-host drains at once, the worker's harness when told), so each side only
    /// has to give a number or null.
    /// </summary>
    private static readonly HashSet<string> BacklogFigures = new(StringComparer.OrdinalIgnoreCase)
    {
        "depth", "oldestMessageAgeSeconds", "poisonDepth", "processingLagSeconds",
    };

    /// <summary>String properties that identify one request on one server, or when it read something (health's queue figures).</summary>
    private static readonly HashSet<string> PerRequestStrings = new(StringComparer.OrdinalIgnoreCase) { "traceId", "checkedAt" };

    /// <summary>The differences; empty when the answers are the same.</summary>
    public static List<string> Differences(HttpAnswer expected, HttpAnswer actual)
    {
        var differences = new List<string>();
        if (expected.Status != actual.Status)
        {
            differences.Add($"status {expected.Status} ≠ {actual.Status}");
        }

        foreach (var name in HttpAnswer.Compared)
        {
            var e = expected.Header(name);
            var a = actual.Header(name);
            var same = name == "Cache-Control" ? SameDirectives(e, a) : SameText(e, a);
            if (!same)
            {
                differences.Add($"header {name}: '{e}' ≠ '{a}'");
            }
        }

        if (IsJson(expected) && IsJson(actual) && expected.Body.Length > 0 && actual.Body.Length > 0)
        {
            using var e = JsonDocument.Parse(expected.Body);
            using var a = JsonDocument.Parse(actual.Body);
            Compare("$", e.RootElement, a.RootElement, differences);
        }
        else if (!SameText(expected.Body, actual.Body))
        {
            differences.Add($"body '{Cut(expected.Body)}' ≠ '{Cut(actual.Body)}'");
        }

        return differences;
    }

    private static bool IsJson(HttpAnswer answer) => answer.Header("Content-Type")?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;

    private static void Compare(string path, JsonElement e, JsonElement a, List<string> differences)
    {
        if (BacklogFigures.Contains(Last(path)) && path.Contains(".queues.", StringComparison.Ordinal))
        {
            if (e.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null) || a.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null))
            {
                differences.Add($"{path}: {e.ValueKind} ≠ {a.ValueKind} (a number or null expected)");
            }

            return;
        }

        if (e.ValueKind != a.ValueKind)
        {
            differences.Add($"{path}: {e.ValueKind} ≠ {a.ValueKind}");
            return;
        }

        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var names = e.EnumerateObject().Select(p => p.Name).ToList();
                var other = a.EnumerateObject().Select(p => p.Name).ToList();
                if (!names.SequenceEqual(other))
                {
                    differences.Add($"{path}: properties [{string.Join(",", names)}] ≠ [{string.Join(",", other)}]");
                    return;
                }

                foreach (var name in names)
                {
                    Compare($"{path}.{name}", e.GetProperty(name), a.GetProperty(name), differences);
                }

                break;
            case JsonValueKind.Array:
                if (e.GetArrayLength() != a.GetArrayLength())
                {
                    differences.Add($"{path}: {e.GetArrayLength()} items ≠ {a.GetArrayLength()}");
                    return;
                }

                for (var i = 0; i < e.GetArrayLength(); i++)
                {
                    Compare($"{path}[{i}]", e[i], a[i], differences);
                }

                break;
            case JsonValueKind.Number:
                var last = Last(path);
                if (e.GetRawText() != a.GetRawText() && !TimeDependentNumbers.Contains(last)
                    && !(TimeDecayedNumbers.Contains(last) && Math.Abs(e.GetDouble() - a.GetDouble()) <= 1e-3 * Math.Max(Math.Abs(e.GetDouble()), Math.Abs(a.GetDouble()))))
                {
                    differences.Add($"{path}: {e.GetRawText()} ≠ {a.GetRawText()}");
                }

                break;
            case JsonValueKind.String:
                if (!SameText(e.GetString(), a.GetString()) && !(PerRequestStrings.Contains(Last(path)) && e.GetString()!.Length > 0 && a.GetString()!.Length > 0))
                {
                    differences.Add($"{path}: '{e.GetString()}' ≠ '{a.GetString()}'");
                }

                break;
            default:
                if (e.GetRawText() != a.GetRawText())
                {
                    differences.Add($"{path}: {e.GetRawText()} ≠ {a.GetRawText()}");
                }

                break;
        }
    }

    private static string Last(string path) => path[(path.LastIndexOf('.') + 1)..];

    private static bool SameDirectives(string? e, string? a) =>
        (e is null && a is null)
        || (e is not null && a is not null && Directives(e).SetEquals(Directives(a)));

    private static HashSet<string> Directives(string header) =>
        new(header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);

    /// <summary>Equal, or both dates, or the same once tokens and dates are masked.</summary>
    private static bool SameText(string? e, string? a) =>
        string.Equals(e, a, StringComparison.Ordinal)
        || (e is not null && a is not null
            && (IsDate(e) && IsDate(a) || string.Equals(Shape(e), Shape(a), StringComparison.Ordinal)));

    private static bool IsDate(string value) =>
        value.Length >= 19 && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _);

    /// <summary>The text with dates and token-like runs masked.</summary>
    public static string Shape(string value) => Token().Replace(ClaimCode().Replace(Date().Replace(value, "<date>"), "<code>"), "<token>");

    private static string Cut(string body) => body.Length > 200 ? body[..200] + "…" : body;

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}(:|%3A)\d{2}(:|%3A)\d{2}(\.\d+)?(Z|[+-]\d{2}(:|%3A)\d{2})?", RegexOptions.IgnoreCase)]
    private static partial Regex Date();

    [GeneratedRegex(@"(?<=claim(=|%3D))[23456789A-HJ-NP-Z]{10}", RegexOptions.IgnoreCase)]
    private static partial Regex ClaimCode();

    [GeneratedRegex(@"[A-Za-z0-9_\-]{16,}")]
    private static partial Regex Token();
}
