using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Resso.Shared.Configuration;

/// <summary>
/// Collects configuration problems while a host is composed and validated, so that one start
/// reports every invalid setting (<see cref="InvalidSettingsException"/>) instead of the first one
/// only, where an operator fixes a setting just to learn of the next.
/// </summary>
public sealed partial class ConfigurationProblems
{
    private readonly List<RessoConfigurationException> _problems = [];

    /// <summary>The problems so far, in the order they were found.</summary>
    public IReadOnlyList<RessoConfigurationException> All => _problems;

    /// <summary>True while no problem was found.</summary>
    public bool IsEmpty => _problems.Count == 0;

    /// <summary>Records <paramref name="problem"/>; the same message found twice (by two checks of one setting) is kept once.</summary>
    public void Add(RessoConfigurationException problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (!_problems.Exists(p => string.Equals(p.Message, problem.Message, StringComparison.Ordinal)))
        {
            _problems.Add(problem);
        }
    }

    /// <summary>Runs <paramref name="check"/>, recording the <see cref="RessoConfigurationException"/> it throws.</summary>
    /// <returns>False when <paramref name="check"/> found a problem.</returns>
    public bool Check(Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            check();
            return true;
        }
        catch (RessoConfigurationException problem)
        {
            Add(problem);
            return false;
        }
    }

    /// <summary>
    /// Reads a value with <paramref name="read"/>; when it throws a <see cref="RessoConfigurationException"/>,
    /// records it and returns <paramref name="fallback"/>, so that the checks after it still run.
    /// </summary>
    public T Check<T>(Func<T> read, T fallback)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read();
        }
        catch (RessoConfigurationException problem)
        {
            Add(problem);
            return fallback;
        }
    }

    /// <summary>
    /// Records each failure of an options validation under the setting it names, as an operator
    /// writes it: a failure that begins with an app setting (<c>Resso__Storage__Prefix must be …</c>)
    /// is that setting's; a DataAnnotations failure (<c>MaxBatch: The field IngestionOptions.MaxBatch
    /// must be …</c>) is the member's under <paramref name="section"/>; any other is the section's.
    /// </summary>
    /// <param name="exception">The validation's failures.</param>
    /// <param name="section">The options' configuration section, e.g. <c>Resso:Ingestion</c>.</param>
    public void Add(OptionsValidationException exception, string section)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(section);
        foreach (var failure in exception.Failures)
        {
            Add(FromFailure(failure, AppSetting(section)));
        }
    }

    /// <summary>
    /// Records a configuration binder's refusal (<c>Failed to convert configuration value 'x' at
    /// 'Resso:Storage:RequestTimeout' to type 'System.TimeSpan'.</c>) under the setting it names.
    /// </summary>
    /// <returns>False when <paramref name="exception"/> is not a binder's refusal.</returns>
    public bool TryAddBindingFailure(InvalidOperationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (BindingFailure().Match(exception.Message) is not { Success: true } match)
        {
            return false;
        }

        var type = match.Groups["type"].Value switch
        {
            "System.TimeSpan" => "duration \"hh:mm:ss\"",
            "System.Int32" or "System.Int64" => "whole number",
            "System.Double" or "System.Decimal" or "System.Single" => "number",
            "System.Boolean" => "true or false",
            var other => other[(other.LastIndexOf('.') + 1)..],
        };
        Add(new RessoConfigurationException(AppSetting(match.Groups["key"].Value), $"\"{match.Groups["value"].Value}\" is not a {type}.", exception));
        return true;
    }

    /// <summary>Throws an <see cref="InvalidSettingsException"/> of every problem recorded, if any.</summary>
    /// <exception cref="InvalidSettingsException">At least one problem was recorded.</exception>
    public void ThrowIfAny()
    {
        if (!IsEmpty)
        {
            throw new InvalidSettingsException(_problems);
        }
    }

    /// <summary>The app setting (environment variable) of configuration key <paramref name="key"/>: <c>A:B</c> is <c>A__B</c>.</summary>
    public static string AppSetting(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Replace(":", "__", StringComparison.Ordinal);
    }

    private static RessoConfigurationException FromFailure(string failure, string section)
    {
        if (NamedFailure().Match(failure) is { Success: true } named)
        {
            return new RessoConfigurationException(named.Groups["setting"].Value, named.Groups["message"].Value);
        }

        if (MemberFailure().Match(failure) is { Success: true } member)
        {
            var message = member.Groups["message"].Value;
            if (NamedFailure().Match(message) is { Success: true } inner)
            {
                return new RessoConfigurationException(inner.Groups["setting"].Value, inner.Groups["message"].Value);
            }

            var path = member.Groups["member"].Value.Replace(".", "__", StringComparison.Ordinal).Replace("[", "__", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);
            return new RessoConfigurationException($"{section}__{path}", DataAnnotationsField().Replace(message, ""));
        }

        return new RessoConfigurationException(section, failure);
    }

    // App settings (with __) at the start, one or several ("A__B or A__C__{kid}"), then ':' or a space: "Resso__Links__Keys__dev: the secret …".
    [GeneratedRegex(@"^(?<setting>[A-Za-z][A-Za-z0-9_]*?__[A-Za-z0-9_{}]+(?:(?: or | and |, )[A-Za-z][A-Za-z0-9_]*?__[A-Za-z0-9_{}]+)*):?\s+(?<message>.+)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex NamedFailure();

    // The options validation source generator's "Member: message" (first member only) or DataAnnotations' own wording.
    [GeneratedRegex(@"^(?:DataAnnotation validation failed for '[^']*' members: '(?<member>[^',]+)[^']*' with the error: '(?<message>.+)'\.|(?<member>[A-Za-z_][\w.\[\]]*)(?:, [\w.\[\]]+)*: (?<message>.+))$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex MemberFailure();

    // "The field Options.Member must be …" and "The Options.Member field is required.": the setting already names the field.
    [GeneratedRegex(@"^The (?:field )?[A-Za-z_]\w*\.[\w.\[\]]+ (?:field )?", RegexOptions.CultureInvariant)]
    private static partial Regex DataAnnotationsField();

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'\.", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex BindingFailure();
}
