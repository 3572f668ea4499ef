using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Resso.Functions.Tests.EndToEnd;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.Reliability;

/// <summary>
/// A bounded, seeded fuzz pass over the event schema: valid events mutated field by field (types,
/// nulls, huge numbers, odd strings, missing and extra fields) and byte by byte (cuts, flips). No
/// mutation may get a 5xx, and exactly the events that got a 202 are counted, once per (user, event id).
/// </summary>
public sealed class EventFuzzTests(AzuriteFixture azurite)
{
    private const int Seed = 20_261_125;
    private const int Cases = 400;

    private static readonly string[] Fields = ["eventId", "userId", "songId", "videoId", "action", "region", "occurredAt", "segment", "segment.startMs", "segment.endMs"];

    private static readonly string[] RawValues =
    [
        "null", "true", "0", "-1", "1.5", "1e308", "1e400", "-99999999999999999999", "\"\"", "\"view\"", "\"ID\"", "\"s_2\"",
        "\"2026-11-25T00:00:00Z\"", "\"a/b\"", "\"a b\"", "\"\\u0000\"", "\"\\u2603\"", "\"\\uD83C\\uDFB5\"", "\"LONE_SURROGATE\"", "\"../../etc\"", "\"%2F\"",
        "[]", "{}", "[[[[[[[[1]]]]]]]]", "{\"startMs\":-5,\"endMs\":3}", "\"" + new string('x', 65) + "\"", "\"" + new string('x', 5000) + "\"",
    ];

    [Fact]
    public async Task PostEvents_SeededMutations_NeverAnswer5xx_AndEveryAcceptedEventIsCountedOnce()
    {
        await using var host = await IngestionHarness.StartAsync(azurite);
        var random = new Random(Seed);
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        var statuses = new SortedDictionary<int, int>();

        for (var i = 0; i < Cases; i++)
        {
            var body = Mutate(random, i);
            using var response = await IngestionHarness.PostRawAsync(host, body);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;

            Assert.True(status is 202 or (>= 400 and < 500), $"case {i} (seed {Seed}): {status} for {Encoding.UTF8.GetString(body)}");
            if (status == 202)
            {
                Assert.True(KeyOf(body) is not null, $"case {i}: accepted without a readable userId and eventId: {Encoding.UTF8.GetString(body)}");
                accepted.Add(KeyOf(body)!);
            }
        }

        // The pass must exercise both sides, or it proves nothing.
        Assert.True(accepted.Count >= Cases / 20, $"only {accepted.Count} accepted: {string.Join(", ", statuses)}");
        Assert.True(statuses.Where(s => s.Key >= 400).Sum(s => s.Value) >= Cases / 2, string.Join(", ", statuses));

        var names = new StorageNames(host.StoragePrefix);
        var store = host.Get<InteractionStore>();
        await IngestionHarness.WaitUntilCountedAsync(azurite, names, store, accepted.Count);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.Equal(accepted.Count, await store.CountEventsAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>A valid event with one to three mutations; every fifth case is also cut or has a byte flipped.</summary>
    private static byte[] Mutate(Random random, int index)
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(
            Events.Valid(eventId: $"e_fuzz_{index}", userId: $"u_{random.Next(50)}", songId: $"s_{random.Next(30)}"), EventJsonContext.Default.SongUsedEvent))!.AsObject();
        for (var m = random.Next(1, 4); m > 0; m--)
        {
            var field = Fields[random.Next(Fields.Length)];
            var (parent, name) = field.StartsWith("segment.", StringComparison.Ordinal)
                ? (json["segment"] as JsonObject, field["segment.".Length..])
                : (json, field);
            if (parent is null)
            {
                continue;
            }

            switch (random.Next(4))
            {
                case 0:
                    parent.Remove(name);
                    break;
                case 1:
                    parent["x_" + random.Next(1000)] = JsonNode.Parse(RawValues[random.Next(RawValues.Length)]);
                    break;
                default:
                    parent[name] = JsonNode.Parse(RawValues[random.Next(RawValues.Length)]);
                    break;
            }
        }

        // JsonNode cannot write an unpaired surrogate; it goes in as a placeholder.
        var bytes = Encoding.UTF8.GetBytes(json.ToJsonString().Replace("LONE_SURROGATE", "\\uDC00", StringComparison.Ordinal)).ToList();
        if (index % 5 == 4)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(3))
            {
                case 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                default:
                    bytes.Insert(at, (byte)"{}[]\",:\\"[random.Next(8)]);
                    break;
            }
        }

        return [.. bytes];
    }

    // An event is counted once per (userId, eventId).
    private static string? KeyOf(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.TryGetProperty("eventId", out var id) && id.ValueKind == JsonValueKind.String && root.TryGetProperty("userId", out var user) && user.ValueKind == JsonValueKind.String
                ? $"{user.GetString()}|{id.GetString()}"
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
