namespace Resso.Ml.Data;

/// <summary>A line of an interaction file could not be read.</summary>
public sealed class InteractionFormatException : FormatException
{
    /// <summary>Creates the exception for a malformed line.</summary>
    /// <param name="source">The file name (or another label of the input).</param>
    /// <param name="lineNumber">The 1-based line number.</param>
    /// <param name="reason">What is wrong with the line.</param>
    public InteractionFormatException(string source, int lineNumber, string reason)
        : base($"{source}, line {lineNumber}: {reason}")
    {
        Source = source;
        LineNumber = lineNumber;
        Reason = reason;
    }

    /// <summary>The 1-based line number of the malformed line.</summary>
    public int LineNumber { get; }

    /// <summary>What is wrong with the line.</summary>
    public string Reason { get; }
}
