namespace Resso.Shared.Configuration;

/// <summary>
/// A setting is missing or malformed. The message names the setting and says what a valid value
/// looks like; hosts print it as the one line an operator needs, without a stack trace.
/// </summary>
public sealed class RessoConfigurationException : Exception
{
    /// <summary>Creates the exception for <paramref name="setting"/>.</summary>
    /// <param name="setting">The setting's name as an operator writes it (for example <c>AzureWebJobsStorage</c>).</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="innerException">The parser's own error, kept for diagnostics.</param>
    public RessoConfigurationException(string setting, string message, Exception? innerException = null)
        : base($"{setting}: {message}", innerException)
    {
        Setting = setting;
        Problem = message;
    }

    /// <summary>The name of the offending setting or file.</summary>
    public string Setting { get; }

    /// <summary>What is wrong with <see cref="Setting"/> and how to fix it (the message without the setting's name).</summary>
    public string Problem { get; }
}
