using System.Text.Json;

namespace Resso.Traffic.Storage;

/// <summary>
/// The storage account and name prefix the app uses, found as the self-host finds them: an
/// environment variable first, then the <c>Values</c> of <c>local.settings.json</c>, else of
/// <c>local.settings.sample.json</c>, in a directory.
/// </summary>
public sealed record LocalStorageSettings(string? ConnectionString, string? Prefix, string? Source)
{
    /// <summary>The setting that holds the storage connection string.</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    /// <summary>The setting that holds the storage name prefix.</summary>
    public const string PrefixSetting = "Resso__Storage__Prefix";

    /// <summary>Reads the settings.</summary>
    /// <exception cref="InvalidDataException">A settings file is not valid JSON.</exception>
    public static LocalStorageSettings Read(string directory, Func<string, string?> environment)
    {
        var values = FileValues(directory, out var file);
        var connection = environment(ConnectionSetting);
        var source = connection is { Length: > 0 } ? "environment" : null;
        if (source is null && values.TryGetValue(ConnectionSetting, out connection) && connection is { Length: > 0 })
        {
            source = file;
        }

        var prefix = environment(PrefixSetting) ?? values.GetValueOrDefault(PrefixSetting) ?? values.GetValueOrDefault("Resso:Storage:Prefix");
        return new LocalStorageSettings(source is null ? null : connection, prefix, source);
    }

    private static Dictionary<string, string?> FileValues(string directory, out string? file)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        file = new[] { "local.settings.json", "local.settings.sample.json" }
            .Select(name => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
        if (file is null)
        {
            return values;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("Values", out var settings)
                && settings.ValueKind == JsonValueKind.Object)
            {
                foreach (var setting in settings.EnumerateObject())
                {
                    values[setting.Name] = setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString() : setting.Value.GetRawText();
                }
            }

            return values;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{file} is not valid JSON: {ex.Message}", ex);
        }
    }
}
