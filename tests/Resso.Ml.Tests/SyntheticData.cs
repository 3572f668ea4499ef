using Resso.Ml.Data;

namespace Resso.Ml.Tests;

/// <summary>Builders of small synthetic interaction sets.</summary>
internal static class SyntheticData
{
    /// <summary>
    /// Users and items in <paramref name="clusters"/> groups: each user interacts with a random subset of its own
    /// group's items (and, with <paramref name="noise"/>, a few others); item 0 of each group is the most used.
    /// Ids are "u{n}" and "i{n}"; user u belongs to cluster u % clusters, item i to cluster i % clusters.
    /// </summary>
    public static InteractionData Clustered(int users = 120, int items = 60, int clusters = 2, int perUser = 10, double noise = 0.0, int seed = 1)
    {
        var random = new Random(seed);
        var builder = new InteractionDataBuilder(
            Enumerable.Range(0, users).Select(u => $"u{u}"),
            Enumerable.Range(0, items).Select(i => $"i{i}"));
        for (var u = 0; u < users; u++)
        {
            var cluster = u % clusters;
            var own = Enumerable.Range(0, items).Where(i => i % clusters == cluster).ToArray();
            var chosen = new HashSet<int>();
            while (chosen.Count < Math.Min(perUser, own.Length))
            {
                // Skewed towards the cluster's first items so that popularity is informative but not enough.
                var pick = own[(int)(Math.Pow(random.NextDouble(), 1.5) * own.Length)];
                chosen.Add(pick);
            }

            foreach (var item in chosen)
            {
                builder.Add($"u{u}", $"i{item}", 1 + random.Next(5));
            }

            if (noise > 0 && random.NextDouble() < noise)
            {
                builder.Add($"u{u}", $"i{random.Next(items)}");
            }
        }

        return builder.Build();
    }
}
