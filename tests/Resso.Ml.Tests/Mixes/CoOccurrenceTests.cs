using Resso.Ml.Mixes;

namespace Resso.Ml.Tests.Mixes;

public sealed class CoOccurrenceTests
{
    [Fact]
    public void Compute_PlantedPairs_AreEachOthersBestNeighbour()
    {
        var rows = PlantedPairs();

        var neighbours = CoOccurrence.Compute(rows, 10);

        for (var pair = 0; pair < 20; pair++)
        {
            Assert.Equal($"p{pair}b", neighbours[$"p{pair}a"][0].SongId);
            Assert.Equal($"p{pair}a", neighbours[$"p{pair}b"][0].SongId);
        }
    }

    [Fact]
    public void Compute_SongEverybodyPlays_DoesNotOutrankARealPartnerItCoOccursWithMore()
    {
        var rows = PlantedPairs();
        var usersOf = rows.GroupBy(r => r.SongId).ToDictionary(g => g.Key, g => g.Select(r => r.UserId).ToHashSet());

        var neighbours = CoOccurrence.Compute(rows, 10);

        for (var pair = 0; pair < 20; pair++)
        {
            var a = usersOf[$"p{pair}a"];

            // Raw co-occurrence counts would put "hit" first: more of the pair's users play it than its partner.
            Assert.True(a.Count(usersOf["hit"].Contains) > a.Count(usersOf[$"p{pair}b"].Contains));
            Assert.Equal($"p{pair}b", neighbours[$"p{pair}a"][0].SongId);
        }
    }

    [Fact]
    public void Compute_EveryList_IsBoundedSortedAndWithoutItsSong()
    {
        var neighbours = CoOccurrence.Compute(PlantedPairs(), 5);

        Assert.NotEmpty(neighbours);
        foreach (var (song, list) in neighbours)
        {
            Assert.InRange(list.Count, 1, 5);
            Assert.DoesNotContain(list, n => n.SongId == song);
            Assert.Equal(list.Count, list.Select(n => n.SongId).Distinct().Count());
            Assert.True(list.Zip(list.Skip(1)).All(p => p.First.Score >= p.Second.Score));
            Assert.All(list, n => Assert.InRange(n.Score, 0, 1.0001));
        }
    }

    [Fact]
    public void Compute_InputOrder_DoesNotChangeTheResult()
    {
        var rows = PlantedPairs();
        var order = new Random(3);
        var shuffled = rows.OrderBy(_ => order.Next()).ToList();

        var a = CoOccurrence.Compute(rows, 8);
        var b = CoOccurrence.Compute(shuffled, 8);

        Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
        foreach (var song in a.Keys)
        {
            Assert.Equal(a[song], b[song]);
        }
    }

    [Fact]
    public void Compute_RepeatedRows_AddUp()
    {
        (string, string, float)[] once = [("u1", "a", 2), ("u1", "b", 1), ("u2", "a", 1), ("u2", "c", 3), ("u3", "b", 1), ("u3", "c", 1)];
        (string, string, float)[] split = [("u1", "a", 1), ("u1", "b", 1), ("u1", "a", 1), ("u2", "a", 1), ("u2", "c", 1), ("u2", "c", 2), ("u3", "b", 1), ("u3", "c", 1)];

        var a = CoOccurrence.Compute(once, 5);
        var b = CoOccurrence.Compute(split, 5);

        Assert.All(a, kv => Assert.Equal(kv.Value, b[kv.Key]));
    }

    [Fact]
    public void Compute_UserOverTheHistoryCap_KeepsOnlyTheirHeaviestSongs()
    {
        var rows = new List<(string, string, float)> { ("heavy", "h1", 100), ("heavy", "h2", 90) };
        rows.AddRange(Enumerable.Range(0, 298).Select(i => ("heavy", $"light{i}", 1f)));
        rows.AddRange([("other", "h1", 1), ("other", "x", 1)]);

        var capped = CoOccurrence.Compute(rows, 1000, maxSongsPerUser: 10);
        var uncapped = CoOccurrence.Compute(rows, 1000, maxSongsPerUser: 1000);

        static int Light(IReadOnlyList<ScoredSong> list) => list.Count(n => n.SongId.StartsWith("light", StringComparison.Ordinal));
        Assert.Equal(8, Light(capped["h1"]));
        Assert.Equal(298, Light(uncapped["h1"]));
        Assert.Contains(capped["h1"], n => n.SongId == "h2");
        Assert.Contains(capped["h1"], n => n.SongId == "x");
        Assert.Equal(8, capped.Keys.Count(k => k.StartsWith("light", StringComparison.Ordinal)));
    }

    [Fact]
    public void Compute_SongOverTheUserCap_StillFindsItsPartnerWithAClosePrediction()
    {
        var random = new Random(5);
        var rows = new List<(string, string, float)>();
        for (var u = 0; u < 3000; u++)
        {
            rows.Add(($"u{u}", "big", 1 + random.Next(4)));
            if (u % 3 != 0)
            {
                rows.Add(($"u{u}", "partner", 1 + random.Next(4)));
            }

            for (var k = 0; k < 1 + random.Next(6); k++)
            {
                rows.Add(($"u{u}", $"noise{random.Next(300)}", 1));
            }
        }

        var sampled = CoOccurrence.Compute(rows, 5, maxUsersPerSong: 500);
        var full = CoOccurrence.Compute(rows, 5, maxUsersPerSong: 100_000);

        Assert.Equal("partner", sampled["big"][0].SongId);
        Assert.Equal(full["big"][0].Score, sampled["big"][0].Score, 0.05);
    }

    [Fact]
    public void Compute_NoUsableRows_ReturnsEmpty()
    {
        Assert.Empty(CoOccurrence.Compute([("u", "a", 0f), ("u", "b", -1f), ("u", "c", float.NaN)], 5));
        Assert.Empty(CoOccurrence.Compute([("u", "a", 1f)], 5));
    }

    [Fact]
    public void Compute_EmptyId_Throws() =>
        Assert.Throws<ArgumentException>(() => CoOccurrence.Compute([("", "a", 1f)], 5));

    /// <summary>
    /// 600 users, each with two of 20 pairs: they use the pair's first song, and its second with
    /// probability 0.7; everyone uses a few of 200 noise songs; 95 % of users also play "hit".
    /// </summary>
    private static List<(string UserId, string SongId, float Weight)> PlantedPairs()
    {
        var random = new Random(11);
        var rows = new List<(string, string, float)>();
        for (var u = 0; u < 600; u++)
        {
            var user = $"u{u}";
            foreach (var pair in new[] { u % 20, random.Next(20) }.Distinct())
            {
                rows.Add((user, $"p{pair}a", 1 + random.Next(5)));
                if (random.NextDouble() < 0.7)
                {
                    rows.Add((user, $"p{pair}b", 1 + random.Next(5)));
                }
            }

            for (var k = 0; k < 5; k++)
            {
                rows.Add((user, $"n{random.Next(200)}", 1 + random.Next(3)));
            }

            if (random.NextDouble() < 0.95)
            {
                rows.Add((user, "hit", 1 + random.Next(10)));
            }
        }

        return rows;
    }
}
