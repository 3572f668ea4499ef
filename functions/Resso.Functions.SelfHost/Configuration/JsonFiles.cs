using System.Text.Json;

namespace Resso.Functions.SelfHost.Configuration;

/// <summary>How the self-host words a settings file that does not parse.</summary>
internal static class JsonFiles
{
    /// <summary>"is not valid JSON at line 3, column 12: …", lines and columns counted from 1 as editors count them.</summary>
    public static string NotValid(JsonException exception)
    {
        var reason = exception.Message;
        foreach (var tail in (string[])[" Path:", " LineNumber:"])
        {
            if (reason.IndexOf(tail, StringComparison.Ordinal) is > 0 and var at)
            {
                reason = reason[..at];
            }
        }

        return exception.LineNumber is { } line
            ? $"is not valid JSON at line {line + 1}, column {exception.BytePositionInLine.GetValueOrDefault() + 1}: {reason.TrimEnd('.', ' ')}."
            : $"is not valid JSON: {reason.TrimEnd('.', ' ')}.";
    }
}
