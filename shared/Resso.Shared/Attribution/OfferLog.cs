using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Resso.Shared.Storage;

namespace Resso.Shared.Attribution;

/// <summary>Offers served in one second with the same kind and attribution (the viewer is not kept).</summary>
/// <param name="Second">The second they were served in (UTC, whole seconds).</param>
/// <param name="Kind">open_in_app, free_trial, subscribe or listen_free.</param>
/// <param name="Keys">Song, label, region, video, platform, experiment and variant; <see cref="AttributionKeys.UserId"/> is null.</param>
/// <param name="Count">How many.</param>
public sealed record OfferCount(DateTimeOffset Second, string Kind, AttributionKeys Keys, long Count);

/// <summary>
/// The log of offers served. Each instance appends to its own append blob per hour,
/// <c>yyyy/MM/dd/HH/{instance}.jsonl</c>, one JSON line per second and attribution with the number
/// of offers served (<see cref="OfferCount"/>), an array in a fixed order to keep lines short:
/// <c>[unixSecond, kind, songId, label, region, videoId, platform, experiment, variant, count]</c>,
/// null where a field is absent. A few appends a second however many offers are
/// served, where a row per offer cost storage a write each. Appends are conditional on the blob's
/// length, so a retried append whose first answer was lost is recognised, never counted twice.
/// Reports read the hours they need; the same second and attribution may appear on several lines
/// (several instances, several flushes) and are summed.
/// </summary>
public sealed class OfferLog(BlobServiceClient blobs, StorageNames names) : IDisposable
{
    /// <summary>The largest block appended at once (the limit of service versions before 2022-11-02).</summary>
    public const int MaxBlockBytes = 4 * 1024 * 1024;

    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    // Listings and downloads in flight while reading.
    private const int ConcurrentReads = 8;

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(names.OfferLogContainer);

    // What this instance believes each of its blobs' length is; only AppendAsync touches it, one call at a time.
    private readonly Dictionary<string, long> _lengths = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _appendGate = new(1, 1);

    /// <summary>This instance's name in blob names: random, so instances never append to the same blob.</summary>
    public string Instance { get; } = RandomNumberGenerator.GetHexString(16, lowercase: true);

    /// <summary>The blob of <paramref name="instance"/> for the hour that holds <paramref name="hour"/>.</summary>
    public static string BlobName(DateTimeOffset hour, string instance) =>
        string.Create(CultureInfo.InvariantCulture, $"{hour.UtcDateTime:yyyy/MM/dd/HH}/{instance}.jsonl");

    /// <summary>
    /// <paramref name="counts"/> as JSON lines, per hour in blocks of at most <see cref="MaxBlockBytes"/>,
    /// each with the number of lines it holds.
    /// </summary>
    public static IEnumerable<(DateTimeOffset Hour, byte[] Block, int Lines)> Encode(IEnumerable<OfferCount> counts)
    {
        foreach (var hour in counts.GroupBy(c => HourOf(c.Second)).OrderBy(g => g.Key))
        {
            var block = new ArrayBufferWriter<byte>();
            var line = new ArrayBufferWriter<byte>(256);
            using var json = new Utf8JsonWriter(line);
            var lines = 0;
            foreach (var count in hour)
            {
                line.ResetWrittenCount();
                json.Reset(line);
                WriteLine(json, count);
                if (block.WrittenCount + line.WrittenCount + 1 > MaxBlockBytes && lines > 0)
                {
                    yield return (hour.Key, block.WrittenSpan.ToArray(), lines);
                    block.ResetWrittenCount();
                    lines = 0;
                }

                block.Write(line.WrittenSpan);
                block.Write("\n"u8);
                lines++;
            }

            yield return (hour.Key, block.WrittenSpan.ToArray(), lines);
        }
    }

    /// <summary>
    /// Appends <paramref name="block"/> to this instance's blob of <paramref name="hour"/>, creating it
    /// when new. Throws when storage fails; the caller keeps the block and tries again, which never
    /// appends it twice.
    /// </summary>
    public async Task AppendAsync(DateTimeOffset hour, byte[] block, CancellationToken cancellationToken = default)
    {
        var name = BlobName(hour, Instance);
        var blob = _container.GetAppendBlobClient(name);
        await _appendGate.WaitAsync(cancellationToken);
        try
        {
            if (!_lengths.TryGetValue(name, out var length))
            {
                await blob.CreateIfNotExistsAsync(new AppendBlobCreateOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" } }, cancellationToken);
                length = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ContentLength;
                ForgetOldBlobs(hour);
            }

            try
            {
                using var content = new MemoryStream(block, writable: false);
                await blob.AppendBlockAsync(content, new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = length } }, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // The blob is not where this instance left it. If it grew by exactly this block, an
                // earlier try landed and only its answer was lost; anything else is a real conflict.
                var now = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ContentLength;
                if (now != length + block.Length)
                {
                    _lengths[name] = now;
                    throw new InvalidOperationException($"Offer log blob {name} is {now} bytes long where {length} were expected; the block is kept for the next flush.", ex);
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                _lengths.Remove(name);
                throw;
            }

            _lengths[name] = length + block.Length;
        }
        finally
        {
            _appendGate.Release();
        }
    }

    /// <summary>Offer counts of seconds in [<paramref name="from"/>, <paramref name="to"/>), blob by blob (by name within a day).</summary>
    public async IAsyncEnumerable<OfferCount> ReadAsync(DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // A blob per instance and hour: 2,208 for 92 days of one instance. Listed a few days at once and
        // downloaded a few blobs at once, each yielded in the order it was listed, as when read one by one.
        var firstHour = HourOf(from);
        var days = new List<DateTime>();
        for (var day = from.UtcDateTime.Date; day < to.UtcDateTime; day = day.AddDays(1))
        {
            days.Add(day);
        }

        var names = new List<string>();
        await foreach (var name in OrderedReads.InOrderAsync(days, async (day, ct) =>
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"{day:yyyy/MM/dd}/");
            var found = new List<string>();
            await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, ct))
            {
                if (TryHourOf(item.Name, out var hour) && hour >= firstHour && hour < to)
                {
                    found.Add(item.Name);
                }
            }

            return found;
        }, ConcurrentReads, cancellationToken))
        {
            names.Add(name);
        }

        await foreach (var count in OrderedReads.InOrderAsync(names, async (name, ct) =>
        {
            var content = (await _container.GetBlobClient(name).DownloadContentAsync(ct)).Value.Content;
            return Lines(name, content.ToMemory(), from, to);
        }, ConcurrentReads, cancellationToken))
        {
            yield return count;
        }
    }

    // The counts of a blob's lines within [from, to). Lines end with \n (a \r before it is dropped);
    // text after the last one is a line too.
    private static List<OfferCount> Lines(string name, ReadOnlyMemory<byte> content, DateTimeOffset from, DateTimeOffset to)
    {
        var counts = new List<OfferCount>();
        var rest = content.Span;
        if (rest.StartsWith("\uFEFF"u8))
        {
            rest = rest[3..];
        }

        for (var number = 1; !rest.IsEmpty; number++)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (line.EndsWith("\r"u8))
            {
                line = line[..^1];
            }

            // Bytes that are not UTF-8 are read as text with replacement characters, as a text reader would.
            var count = Parse(line) ?? Parse(Encoding.UTF8.GetString(line))
                ?? throw new InvalidDataException($"Offer log blob {name}, line {number}, is not an offer count.");
            if (count.Second >= from && count.Second < to)
            {
                counts.Add(count);
            }
        }

        return counts;
    }

    /// <summary>One line of the log, or null when it is not one.</summary>
    public static OfferCount? Parse(string line) => Parse(Encoding.UTF8.GetBytes(line));

    // One line, as UTF-8 bytes.
    private static OfferCount? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray
                || !reader.Read() || !reader.TryGetInt64(out var second) || second < 0 || second > MaxUnixSeconds
                || !TryString(ref reader, out var kind) || kind is null
                || !TryString(ref reader, out var song) || song is null
                || !TryString(ref reader, out var label)
                || !TryString(ref reader, out var region) || region is null
                || !TryString(ref reader, out var video)
                || !TryString(ref reader, out var platform) || platform is null
                || !TryString(ref reader, out var experiment)
                || !TryString(ref reader, out var variant)
                || !reader.Read() || !reader.TryGetInt64(out var count) || count <= 0
                || !reader.Read() || reader.TokenType != JsonTokenType.EndArray
                || reader.Read())
            {
                return null;
            }

            return new OfferCount(DateTimeOffset.FromUnixTimeSeconds(second), kind, new AttributionKeys(song, label ?? "", region, video, null, platform, experiment, variant), count);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // TryGetInt64 on a token that is not a number.
            return null;
        }
    }

    // [second, kind, song, label, region, video, platform, experiment, variant, count]
    private static void WriteLine(Utf8JsonWriter json, OfferCount count)
    {
        json.WriteStartArray();
        json.WriteNumberValue(count.Second.ToUnixTimeSeconds());
        json.WriteStringValue(count.Kind);
        json.WriteStringValue(count.Keys.SongId);
        WriteOptional(json, count.Keys.Label.Length == 0 ? null : count.Keys.Label);
        json.WriteStringValue(count.Keys.Region);
        WriteOptional(json, count.Keys.VideoId);
        json.WriteStringValue(count.Keys.Platform);
        WriteOptional(json, count.Keys.Experiment);
        WriteOptional(json, count.Keys.Variant);
        json.WriteNumberValue(count.Count);
        json.WriteEndArray();
        json.Flush();
    }

    private static void WriteOptional(Utf8JsonWriter json, string? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteStringValue(value);
        }
    }

    // The next token: a string, or null for JSON null; false for anything else.
    private static bool TryString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            value = reader.GetString();
            return true;
        }

        return reader.TokenType == JsonTokenType.Null;
    }

    /// <inheritdoc />
    public void Dispose() => _appendGate.Dispose();

    private static DateTimeOffset HourOf(DateTimeOffset time) =>
        new(time.UtcDateTime.Date.AddHours(time.UtcDateTime.Hour), TimeSpan.Zero);

    // yyyy/MM/dd/HH/{instance}.jsonl
    private static bool TryHourOf(string name, out DateTimeOffset hour) =>
        DateTimeOffset.TryParseExact(name.AsSpan(0, Math.Min(13, name.Length)), "yyyy/MM/dd/HH", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out hour);

    private void ForgetOldBlobs(DateTimeOffset hour)
    {
        var keep = BlobName(hour.AddHours(-1), Instance);
        foreach (var old in _lengths.Keys.Where(n => string.CompareOrdinal(n, keep) < 0).ToList())
        {
            _lengths.Remove(old);
        }
    }
}
