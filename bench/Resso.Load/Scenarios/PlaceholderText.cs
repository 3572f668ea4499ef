using System.Text;
using System.Text.RegularExpressions;

namespace Resso.Load.Scenarios;

/// <summary>
/// Text with <c>{name}</c> placeholders (a letter or <c>_</c>, then letters, digits or <c>_</c>),
/// parsed once and filled for every request. Braces around anything else, such as a JSON body's
/// <c>{"events":[…]}</c>, are left as they are.
/// </summary>
public sealed partial class PlaceholderText
{
    private readonly string[] _literals;
    private readonly string[] _names;

    private PlaceholderText(string text, string[] literals, string[] names)
    {
        Text = text;
        _literals = literals;
        _names = names;
    }

    /// <summary>The text as written.</summary>
    public string Text { get; }

    /// <summary>The placeholder names, in order of appearance, repeats included.</summary>
    public IReadOnlyList<string> Placeholders => _names;

    /// <summary>Parses <paramref name="text"/>.</summary>
    public static PlaceholderText Parse(string text)
    {
        var literals = new List<string>();
        var names = new List<string>();
        var at = 0;
        foreach (Match match in PlaceholderPattern().Matches(text))
        {
            literals.Add(text[at..match.Index]);
            names.Add(match.Groups[1].Value);
            at = match.Index + match.Length;
        }

        literals.Add(text[at..]);
        return new PlaceholderText(text, [.. literals], [.. names]);
    }

    /// <summary>
    /// The text with every placeholder replaced by <paramref name="valueOf"/>(name), each occurrence
    /// asked separately; with <paramref name="escape"/> the values are percent-encoded for a URL.
    /// </summary>
    public string Fill(Func<string, string> valueOf, bool escape)
    {
        if (_names.Length == 0)
        {
            return Text;
        }

        var builder = new StringBuilder(Text.Length + 16 * _names.Length);
        for (var i = 0; i < _names.Length; i++)
        {
            var value = valueOf(_names[i]);
            builder.Append(_literals[i]).Append(escape ? Uri.EscapeDataString(value) : value);
        }

        return builder.Append(_literals[^1]).ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Text;

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderPattern();
}
