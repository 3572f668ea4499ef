namespace Resso.Shared.Configuration;

/// <summary>
/// Every invalid setting a host found before starting, each a <see cref="RessoConfigurationException"/>
/// naming its setting. Hosts print <see cref="Describe"/>: one line per setting, no stack trace.
/// </summary>
public sealed class InvalidSettingsException : Exception
{
    /// <summary>Creates the exception for <paramref name="problems"/> (at least one).</summary>
    /// <param name="problems">The problems, in the order they were found.</param>
    public InvalidSettingsException(IEnumerable<RessoConfigurationException> problems)
        : this([.. problems ?? throw new ArgumentNullException(nameof(problems))])
    {
    }

    private InvalidSettingsException(RessoConfigurationException[] problems)
        : base(Summary(problems))
    {
        Problems = problems;
    }

    /// <summary>The invalid settings, one problem each, in the order they were found.</summary>
    public IReadOnlyList<RessoConfigurationException> Problems { get; }

    /// <summary>
    /// What an operator reads: <c>{host} cannot start: {setting}: {message}</c> for one problem; for
    /// several, <c>{host} cannot start: N settings are invalid:</c> and then one indented line per setting.
    /// </summary>
    /// <param name="host">The host's name as the operator knows it, e.g. <c>Resso self-host</c>.</param>
    public string Describe(string host) => $"{host} cannot start: {Message}";

    private static string Summary(RessoConfigurationException[] problems) => problems.Length switch
    {
        0 => throw new ArgumentException("At least one problem is needed.", nameof(problems)),
        1 => problems[0].Message,
        _ => $"{problems.Length} settings are invalid:{string.Concat(problems.Select(p => $"{Environment.NewLine}  {p.Message}"))}",
    };
}
