namespace Resso.Ml.Data;

/// <summary>A train/test split over one id space.</summary>
/// <param name="Train">Interactions to learn from.</param>
/// <param name="Test">Held-out interactions to evaluate against.</param>
public sealed record TrainTestSplit(InteractionData Train, InteractionData Test);

/// <summary>Splits interactions into a training and a held-out part.</summary>
public static class InteractionSplitter
{
    /// <summary>
    /// Holds out ⌊n·<paramref name="testFraction"/>⌋ random interactions of each user with n interactions
    /// (at most n − 1, so every user keeps one in train; users with fewer than 2 keep all). The split
    /// depends only on the data and <paramref name="seed"/>.
    /// </summary>
    /// <param name="data">All interactions.</param>
    /// <param name="testFraction">The fraction of each user's interactions to hold out, in (0, 1).</param>
    /// <param name="seed">Seeds the random choice.</param>
    public static TrainTestSplit SplitPerUser(InteractionData data, double testFraction = 0.2, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Must be in (0, 1).");
        }

        var random = new Random(seed);
        var trainUsers = new List<int>(data.Count);
        var trainItems = new List<int>(data.Count);
        var trainWeights = new List<float>(data.Count);
        var testUsers = new List<int>();
        var testItems = new List<int>();
        var testWeights = new List<float>();
        var order = new List<int>();
        for (var u = 0; u < data.UserCount; u++)
        {
            var items = data.ItemsOf(u);
            var weights = data.WeightsOf(u);
            var n = items.Length;
            var testCount = n < 2 ? 0 : Math.Min(n - 1, (int)Math.Floor(n * testFraction));
            order.Clear();
            for (var k = 0; k < n; k++)
            {
                order.Add(k);
            }

            // Partial Fisher–Yates: the first testCount positions are the held-out ones.
            for (var k = 0; k < testCount; k++)
            {
                var pick = random.Next(k, n);
                (order[k], order[pick]) = (order[pick], order[k]);
            }

            for (var k = 0; k < n; k++)
            {
                var source = order[k];
                if (k < testCount)
                {
                    testUsers.Add(u);
                    testItems.Add(items[source]);
                    testWeights.Add(weights[source]);
                }
                else
                {
                    trainUsers.Add(u);
                    trainItems.Add(items[source]);
                    trainWeights.Add(weights[source]);
                }
            }
        }

        return new TrainTestSplit(
            InteractionData.Create(data.Users, data.Items, [.. trainUsers], [.. trainItems], [.. trainWeights]),
            InteractionData.Create(data.Users, data.Items, [.. testUsers], [.. testItems], [.. testWeights]));
    }

    /// <summary>
    /// Holds out each interaction whose seeded hash of its user id and item id falls below <paramref name="testFraction"/>,
    /// so the split of an interaction depends only on its ids and <paramref name="seed"/>: not on the other interactions,
    /// their order or the index spaces. An interaction held out from data D is held out from every data set that contains
    /// it (D plus new events, users or songs), so a model trained on an earlier split's training part never saw a later
    /// split's held-out interactions. Held-out interactions of a user with no training interaction (nothing to rank them
    /// from) are in neither part.
    /// </summary>
    /// <remarks>
    /// Unlike <see cref="SplitPerUser"/>, each user holds out about, not exactly, <paramref name="testFraction"/> of their
    /// interactions, and users with few interactions are held out from too.
    /// </remarks>
    /// <param name="data">All interactions.</param>
    /// <param name="testFraction">The expected fraction of interactions to hold out, in (0, 1).</param>
    /// <param name="seed">Seeds the hash.</param>
    public static TrainTestSplit SplitStable(InteractionData data, double testFraction = 0.2, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Must be in (0, 1).");
        }

        var itemHashes = new ulong[data.ItemCount];
        for (var i = 0; i < itemHashes.Length; i++)
        {
            itemHashes[i] = StableHash(data.Items[i], (ulong)seed);
        }

        var (trainUsers, trainItems, trainWeights) = (new List<int>(data.Count), new List<int>(data.Count), new List<float>(data.Count));
        var (testUsers, testItems, testWeights) = (new List<int>(), new List<int>(), new List<float>());
        var heldOut = new List<int>();
        for (var u = 0; u < data.UserCount; u++)
        {
            var items = data.ItemsOf(u);
            var weights = data.WeightsOf(u);
            var userHash = StableHash(data.Users[u], ~(ulong)seed);
            heldOut.Clear();
            for (var k = 0; k < items.Length; k++)
            {
                if (UnitInterval(Mix(userHash ^ itemHashes[items[k]])) < testFraction)
                {
                    heldOut.Add(k);
                }
                else
                {
                    trainUsers.Add(u);
                    trainItems.Add(items[k]);
                    trainWeights.Add(weights[k]);
                }
            }

            if (heldOut.Count < items.Length)
            {
                foreach (var k in heldOut)
                {
                    testUsers.Add(u);
                    testItems.Add(items[k]);
                    testWeights.Add(weights[k]);
                }
            }
        }

        return new TrainTestSplit(
            InteractionData.Create(data.Users, data.Items, [.. trainUsers], [.. trainItems], [.. trainWeights]),
            InteractionData.Create(data.Users, data.Items, [.. testUsers], [.. testItems], [.. testWeights]));
    }

    /// <summary>
    /// The interactions of at most <paramref name="maxUsers"/> users (a random sample of those with any, seeded), over the
    /// same id spaces; <paramref name="data"/> itself when it has no more users than that.
    /// </summary>
    /// <param name="data">Interactions, typically a held-out slice.</param>
    /// <param name="maxUsers">The most users to keep.</param>
    /// <param name="seed">Seeds the sample.</param>
    public static InteractionData SampleUsers(InteractionData data, int maxUsers, int seed = 42) =>
        ShuffledUsers(data, maxUsers, seed) is { } users ? Subset(data, users.Take(maxUsers)) : data;

    /// <summary>
    /// Splits the users of <paramref name="data"/> in two: a seeded sample of at most <paramref name="maxUsers"/> of those
    /// with interactions, and all the others (null when none is left), so that one held-out slice can serve two
    /// purposes that must not see the same users.
    /// </summary>
    /// <param name="data">Interactions, typically a held-out slice.</param>
    /// <param name="maxUsers">The most users in the sample.</param>
    /// <param name="seed">Seeds the sample.</param>
    public static (InteractionData Sample, InteractionData? Others) PartitionUsers(InteractionData data, int maxUsers, int seed = 42) =>
        ShuffledUsers(data, maxUsers, seed) is { } users
            ? (Subset(data, users.Take(maxUsers)), Subset(data, users.Skip(maxUsers)))
            : (data, null);

    /// <summary>The users with interactions in a seeded random order, or null when there are no more than <paramref name="maxUsers"/>.</summary>
    private static int[]? ShuffledUsers(InteractionData data, int maxUsers, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxUsers, 1);
        var users = Enumerable.Range(0, data.UserCount).Where(u => data.CountOf(u) > 0).ToArray();
        if (users.Length <= maxUsers)
        {
            return null;
        }

        new Random(seed).Shuffle(users);
        return users;
    }

    /// <summary>FNV-1a over the id's UTF-16 code units, from a seeded basis, then mixed: the same on every machine and run.</summary>
    private static ulong StableHash(string id, ulong seed)
    {
        var hash = 14_695_981_039_346_656_037UL ^ Mix(seed);
        foreach (var c in id)
        {
            hash = (hash ^ c) * 1_099_511_628_211UL;
        }

        return Mix(hash);
    }

    /// <summary>SplitMix64's finaliser: every input bit moves every output bit.</summary>
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>The top 53 bits as a double in [0, 1).</summary>
    private static double UnitInterval(ulong x) => (x >> 11) * (1.0 / (1UL << 53));

    private static InteractionData Subset(InteractionData data, IEnumerable<int> users)
    {
        var (u, i, w) = (new List<int>(), new List<int>(), new List<float>());
        foreach (var user in users.Order())
        {
            var items = data.ItemsOf(user);
            var weights = data.WeightsOf(user);
            for (var j = 0; j < items.Length; j++)
            {
                u.Add(user);
                i.Add(items[j]);
                w.Add(weights[j]);
            }
        }

        return InteractionData.Create(data.Users, data.Items, u.ToArray(), i.ToArray(), w.ToArray());
    }
}
