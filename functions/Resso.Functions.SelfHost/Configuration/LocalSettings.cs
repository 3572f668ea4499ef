using System.Text.Json;
using Resso.Shared.Configuration;

namespace Resso.Functions.SelfHost.Configuration;

/// <summary>
/// Reads app settings the way the Functions Core Tools do: the <c>Values</c> of
/// <c>local.settings.json</c>, with <c>Section__Key</c> names meaning <c>Section:Key</c>. When a
/// developer has no <c>local.settings.json</c>, the committed <c>local.settings.sample.json</c>
/// supplies the defaults, in Development only: the build copies the sample next to the app, and its
/// development keys would otherwise sit under an operator's settings everywhere the build output runs.
/// Environment variables and the command line override both.
/// </summary>
internal static class LocalSettings
{
    public const string FileName = "local.settings.json";
    public const string SampleFileName = "local.settings.sample.json";

    /// <summary>
    /// Adds the settings file found in <paramref name="directory"/> as the lowest-precedence source;
    /// the sample only when <paramref name="isDevelopment"/>.
    /// </summary>
    public static void AddLocalSettings(this IConfigurationBuilder configuration, string directory, bool isDevelopment)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path) && isDevelopment)
        {
            path = Path.Combine(directory, SampleFileName);
        }

        if (!File.Exists(path))
        {
            return;
        }

        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = Read(path) });
    }

    /// <summary>The <c>Values</c> of a settings file as configuration keys.</summary>
    /// <exception cref="RessoConfigurationException">The file is not valid JSON or its values are not strings.</exception>
    public static Dictionary<string, string?> Read(string path)
    {
        var name = Path.GetFileName(path);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (!document.RootElement.TryGetProperty("Values", out var json))
            {
                return values;
            }

            if (json.ValueKind != JsonValueKind.Object)
            {
                throw new RessoConfigurationException(name, "\"Values\" must be an object of setting names to strings.");
            }

            foreach (var setting in json.EnumerateObject())
            {
                values[setting.Name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = setting.Value.ValueKind switch
                {
                    JsonValueKind.String => setting.Value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => setting.Value.GetRawText(),
                    _ => throw new RessoConfigurationException($"{name}: Values.{setting.Name}", "must be a string."),
                };
            }

            return values;
        }
        catch (JsonException ex)
        {
            throw new RessoConfigurationException(name, JsonFiles.NotValid(ex), ex);
        }
    }
}
