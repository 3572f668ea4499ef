using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Resso.Shared.Storage;

namespace Resso.Testing;

/// <summary>
/// Searches every store the app names (<see cref="StorageNames.Tables"/>, <see cref="StorageNames.Queues"/>,
/// <see cref="StorageNames.Containers"/>: a new store is searched without changing this) for a value:
/// every property of every entity, every message (as stored, then decoded from base64 as the app's queue clients decode it),
/// every byte of every blob; in plain UTF-8 and UTF-16, in base64 and base64url (as link tokens and
/// message bodies carry bytes), inside gzip (compressed messages and poison bodies), zip (ML.NET
/// models) and base64 strings in JSON (poison envelopes).
/// </summary>
public static class StorageScan
{
    /// <summary>Where <paramref name="value"/> was found, as "store: where"; empty when nowhere.</summary>
    public static async Task<List<string>> FindAsync(string connectionString, StorageNames names, string value, CancellationToken cancellationToken = default)
    {
        var needles = Needles(value);
        var found = new List<string>();
        var tables = new TableServiceClient(connectionString);
        foreach (var table in names.Tables)
        {
            await foreach (var row in tables.GetTableClient(table).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
            {
                foreach (var (key, property) in row)
                {
                    var bytes = property switch
                    {
                        null => [],
                        byte[] b => b,
                        BinaryData d => d.ToArray(),
                        DateTimeOffset t => Encoding.UTF8.GetBytes(t.ToString("O")),
                        _ => Encoding.UTF8.GetBytes(Convert.ToString(property, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
                    };
                    if (Contains(bytes, needles))
                    {
                        found.Add($"{table}: {row.PartitionKey}/{row.RowKey} {key}");
                    }
                }
            }
        }

        foreach (var name in names.Queues)
        {
            // As stored: base64 text, decoded below as the app's queue clients decode it.
            var raw = new QueueClient(connectionString, name);
            // Peek sees visible messages only, 32 at most: wait until every message is visible, and fail beyond 32.
            var deadline = DateTime.UtcNow.AddSeconds(45);
            while (true)
            {
                var peeked = (await raw.PeekMessagesAsync(32, cancellationToken)).Value;
                var count = (await raw.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
                if (count > 32)
                {
                    throw new InvalidOperationException($"{name} holds {count} messages; the scan peeks 32 at most.");
                }

                if (peeked.Length == count || DateTime.UtcNow > deadline)
                {
                    if (peeked.Length != count)
                    {
                        found.Add($"unscanned {name}: {count - peeked.Length} messages stayed invisible to the scan");
                    }

                    break;
                }

                await Task.Delay(500, cancellationToken);
            }

            foreach (var message in (await raw.PeekMessagesAsync(32, cancellationToken)).Value)
            {
                if (Contains(message.Body.ToArray(), needles) || Decoded(message.Body.ToArray()).Any(d => Contains(d, needles)))
                {
                    found.Add($"{name}: message {message.MessageId}");
                }
            }
        }

        var blobs = new BlobServiceClient(connectionString);
        foreach (var name in names.Containers)
        {
            var container = blobs.GetBlobContainerClient(name);
            await foreach (var item in container.GetBlobsAsync(cancellationToken: cancellationToken))
            {
                var content = (await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
                if (Contains(Encoding.UTF8.GetBytes(item.Name), needles) || Contains(content, needles) || Decoded(content).Any(d => Contains(d, needles)))
                {
                    found.Add($"{name}: {item.Name}");
                }
            }
        }

        return found;
    }

    // The value's UTF-8 and UTF-16 bytes, and the stable middle of its base64 and base64url at each of the three alignments.
    private static List<byte[]> Needles(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        var needles = new List<byte[]> { utf8, Encoding.Unicode.GetBytes(value) };
        for (var offset = 0; offset < 3; offset++)
        {
            var shifted = new byte[offset + utf8.Length];
            utf8.CopyTo(shifted, offset);
            var text = Convert.ToBase64String(shifted);
            // Characters that also depend on the bytes before or after are left out.
            var start = (offset * 4 + 2) / 3;
            var end = ((offset + utf8.Length) / 3) * 4;
            if (end - start >= 8)
            {
                var middle = text[start..end];
                needles.Add(Encoding.ASCII.GetBytes(middle));
                needles.Add(Encoding.ASCII.GetBytes(middle.Replace('+', '-').Replace('/', '_')));
            }
        }

        return needles;
    }

    private static bool Contains(byte[] haystack, List<byte[]> needles) =>
        needles.Any(n => haystack.AsSpan().IndexOf(n) >= 0);

    // What the bytes may encode: a base64 message body, gzip, zip, and base64 strings inside JSON; recursively, a few levels deep.
    private static IEnumerable<byte[]> Decoded(byte[] data, int depth = 0)
    {
        if (depth > 4 || data.Length == 0)
        {
            yield break;
        }

        var found = new List<byte[]>();
        if (data.Length > 2 && data[0] == 0x1F && data[1] == 0x8B)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
                using var output = new MemoryStream();
                gzip.CopyTo(output);
                found.Add(output.ToArray());
            }
            catch (InvalidDataException)
            {
            }
        }
        else if (data.Length > 4 && data[0] == (byte)'P' && data[1] == (byte)'K' && data[2] == 3 && data[3] == 4)
        {
            using var zip = new ZipArchive(new MemoryStream(data), ZipArchiveMode.Read);
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var output = new MemoryStream();
                stream.CopyTo(output);
                found.Add(output.ToArray());
            }
        }
        else if (TryBase64(data) is { } decoded)
        {
            found.Add(decoded);
        }
        else if (data[0] is (byte)'{' or (byte)'[')
        {
            try
            {
                using var document = JsonDocument.Parse(data);
                found.AddRange(Strings(document.RootElement).Select(s => TryBase64(Encoding.ASCII.GetBytes(s))).OfType<byte[]>());
            }
            catch (JsonException)
            {
            }
        }

        foreach (var item in found)
        {
            yield return item;
            foreach (var inner in Decoded(item, depth + 1))
            {
                yield return inner;
            }
        }
    }

    private static byte[]? TryBase64(byte[] data)
    {
        if (data.Length < 4 || data.Length % 4 != 0)
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(data);
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };
}
