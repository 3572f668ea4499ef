using System.Globalization;
using System.Text.Json;
using Resso.Shared.Configuration;

namespace Resso.Functions.SelfHost.Configuration;

/// <summary>
/// The queue-trigger settings of <c>host.json</c> (<c>extensions.queues</c>), with the Functions
/// host's defaults for the Consumption plan.
/// </summary>
/// <param name="BatchSize">Messages fetched at once, 1–32.</param>
/// <param name="NewBatchThreshold">Fetch the next batch when this many or fewer are still being processed.</param>
/// <param name="MaxPollingInterval">The longest wait between polls of an empty queue.</param>
/// <param name="VisibilityTimeout">How long a failed message stays invisible before its retry.</param>
/// <param name="MaxDequeueCount">Attempts before a message moves to the poison queue.</param>
/// <param name="MessageLease">
/// How long a fetched message stays invisible while its handler runs (not renewed). Not a host.json
/// setting: the self-host's own <c>Resso__SelfHost__MessageLease</c>, 10 minutes by default.
/// </param>
internal sealed record QueuesHostOptions(
    int BatchSize,
    int NewBatchThreshold,
    TimeSpan MaxPollingInterval,
    TimeSpan VisibilityTimeout,
    int MaxDequeueCount,
    TimeSpan? MessageLease = null)
{
    public static readonly TimeSpan DefaultMessageLease = TimeSpan.FromMinutes(10);

    public static QueuesHostOptions Defaults { get; } = new(16, 8, TimeSpan.FromMinutes(1), TimeSpan.Zero, 5);

    public TimeSpan Lease => MessageLease ?? DefaultMessageLease;
}

/// <summary>What the self-host takes from <c>host.json</c>: the queue-trigger settings and the log levels.</summary>
internal sealed record HostJson(QueuesHostOptions Queues, IReadOnlyDictionary<string, LogLevel> LogLevels)
{
    public const string FileName = "host.json";

    /// <summary>What the Functions host assumes without a host.json: its queue defaults, no log filters.</summary>
    public static HostJson Defaults { get; } = new(QueuesHostOptions.Defaults, new Dictionary<string, LogLevel>());

    /// <summary>Reads the file; anything malformed stops start-up with a message naming the field.</summary>
    /// <exception cref="RessoConfigurationException">The file is missing, not JSON, or a setting is out of range.</exception>
    public static HostJson Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new RessoConfigurationException(FileName, $"was not found at {path}. It is copied next to the app from the repository root at build time.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new RessoConfigurationException(FileName, JsonFiles.NotValid(ex), ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RessoConfigurationException(FileName, "must be a JSON object.");
            }

            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
            {
                throw new RessoConfigurationException($"{FileName}: version", "must be \"2.0\" (the Functions v2+ schema).");
            }

            var queues = root.TryGetProperty("extensions", out var extensions) && extensions.ValueKind == JsonValueKind.Object
                && extensions.TryGetProperty("queues", out var queuesJson)
                ? ReadQueues(queuesJson)
                : QueuesHostOptions.Defaults;
            return new HostJson(queues, ReadLogLevels(root));
        }
    }

    private static Dictionary<string, LogLevel> ReadLogLevels(JsonElement root)
    {
        var levels = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("logging", out var logging) && logging.ValueKind == JsonValueKind.Object
            && logging.TryGetProperty("logLevel", out var logLevel) && logLevel.ValueKind == JsonValueKind.Object)
        {
            foreach (var category in logLevel.EnumerateObject())
            {
                if (category.Value.ValueKind != JsonValueKind.String || !Enum.TryParse<LogLevel>(category.Value.GetString(), ignoreCase: true, out var level))
                {
                    throw new RessoConfigurationException($"{FileName}: logging.logLevel.{category.Name}", "must be one of Trace, Debug, Information, Warning, Error, Critical, None.");
                }

                levels[category.Name] = level;
            }
        }

        return levels;
    }

    private static QueuesHostOptions ReadQueues(JsonElement queues)
    {
        const string Section = FileName + ": extensions.queues";
        if (queues.ValueKind != JsonValueKind.Object)
        {
            throw new RessoConfigurationException(Section, "must be an object.");
        }

        var d = QueuesHostOptions.Defaults;
        var batchSize = Int(queues, "batchSize", d.BatchSize, 1, 32);
        var options = new QueuesHostOptions(
            batchSize,
            Int(queues, "newBatchThreshold", batchSize / 2, 0, 1000),
            Duration(queues, "maxPollingInterval", d.MaxPollingInterval, TimeSpan.FromMilliseconds(100)),
            Duration(queues, "visibilityTimeout", d.VisibilityTimeout, TimeSpan.Zero),
            Int(queues, "maxDequeueCount", d.MaxDequeueCount, 1, 1000));

        if (queues.TryGetProperty("messageEncoding", out var encoding)
            && !string.Equals(encoding.GetString(), "base64", StringComparison.OrdinalIgnoreCase))
        {
            throw new RessoConfigurationException(
                $"{Section}.messageEncoding",
                "must be \"base64\": the app's producers write base64, as the Functions queue trigger expects by default.");
        }

        return options;

        static int Int(JsonElement section, string name, int fallback, int min, int max)
        {
            if (!section.TryGetProperty(name, out var value))
            {
                return fallback;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < min || number > max)
            {
                throw new RessoConfigurationException($"{Section}.{name}", $"must be a whole number from {min} to {max}.");
            }

            return number;
        }

        static TimeSpan Duration(JsonElement section, string name, TimeSpan fallback, TimeSpan min)
        {
            if (!section.TryGetProperty(name, out var value))
            {
                return fallback;
            }

            // "c" is the invariant [d.]hh:mm:ss[.fffffff]; a bare number would parse as days, so demand the colons.
            if (value.ValueKind != JsonValueKind.String
                || value.GetString() is not { } text || !text.Contains(':', StringComparison.Ordinal)
                || !TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var duration)
                || duration < min)
            {
                throw new RessoConfigurationException($"{Section}.{name}", $"must be a duration \"hh:mm:ss\" of at least {min}.");
            }

            return duration;
        }
    }
}
