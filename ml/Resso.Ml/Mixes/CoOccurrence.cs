using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Resso.Ml.Scoring;

namespace Resso.Ml.Mixes;

/// <summary>
/// Item-to-item neighbours from who used what together: the fallback "similar songs" for songs the
/// factor model does not know yet, and a second opinion for those it does.
/// </summary>
/// <remarks>
/// <para>
/// Similarity is a cosine over users with two dampers and a shrinkage. A user's value for a song is
/// <c>r = ln(1 + weight)</c>, so a hundred views are not a hundred times one; each user counts with
/// <c>c_u = 1 / log2(2 + n_u)</c> for their n_u songs, so one omnivorous listener does not tie everything
/// together. Then <c>cos(i, j) = Σ_u c_u r_ui r_uj / (‖i‖ ‖j‖)</c> with <c>‖i‖² = Σ_u c_u r_ui²</c>; dividing by
/// the neighbour's norm is what keeps a song everybody plays from being everybody's neighbour. Finally
/// <c>score = cos · n_ij / (n_ij + 2)</c> for n_ij users in common, so a coincidence of one shared
/// listener does not outrank an overlap of fifty.
/// </para>
/// <para>
/// Bounds. A user with more than <c>maxSongsPerUser</c> songs keeps only their heaviest ones (ties: lower
/// song id). A song with more than <c>maxUsersPerSong</c> users finds its neighbours through a sample of
/// that many: those with the lowest stable hash of their id, the same users for every song (so two popular
/// songs keep their common audience), with dot products and counts scaled up by the sampling ratio;
/// norms use every user.
/// </para>
/// <para>
/// Cost. With N interactions, S songs, H = maxSongsPerUser and M = maxUsersPerSong, building takes
/// O(N log N) and the accumulation W = Σ_i Σ_{u ∈ sample(i)} n_u ≤ Σ_u n_u² ≤ N·H, and ≤ S·M·H: for each song
/// its users' songs are added into a dense per-thread array (one multiply-add each), in parallel over
/// songs, then the best <c>neighbours</c> are kept by a heap. Memory O(N + S · threads). Results do not
/// depend on the order of the input or the number of threads.
/// </para>
/// </remarks>
public static class CoOccurrence
{
    /// <summary>Songs with more users find neighbours through a sample of this many.</summary>
    public const int DefaultMaxUsersPerSong = 10_000;

    /// <summary>Users with more songs keep only this many (their heaviest).</summary>
    public const int DefaultMaxSongsPerUser = 500;

    /// <summary>The shrinkage β in <c>n / (n + β)</c>.</summary>
    private const double Shrinkage = 2;

    /// <summary>Computes the best neighbours of every song.</summary>
    /// <param name="interactions">(user, song, weight) rows; repeated pairs add up; rows with a weight that is not positive are ignored.</param>
    /// <param name="neighbours">How many neighbours to keep per song.</param>
    /// <param name="maxUsersPerSong">Sample size for songs with more users (see remarks).</param>
    /// <param name="maxSongsPerUser">History cap per user (see remarks).</param>
    /// <returns>Per song with at least one neighbour, its neighbours best first (ties by song id), never the song itself.</returns>
    /// <exception cref="ArgumentException">A user or song id is null or empty.</exception>
    public static IReadOnlyDictionary<string, IReadOnlyList<ScoredSong>> Compute(
        IEnumerable<(string UserId, string SongId, float Weight)> interactions,
        int neighbours,
        int maxUsersPerSong = DefaultMaxUsersPerSong,
        int maxSongsPerUser = DefaultMaxSongsPerUser)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        ArgumentOutOfRangeException.ThrowIfNegative(neighbours);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxUsersPerSong, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSongsPerUser, 1);

        var userIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var songIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var (rowUsers, rowSongs, rowWeights) = Collect(interactions, userIndex, songIndex);
        if (neighbours == 0 || rowUsers.Count == 0)
        {
            return new Dictionary<string, IReadOnlyList<ScoredSong>>(StringComparer.Ordinal);
        }

        // Dense indices in ordinal id order, so that ties and float sums do not depend on input order.
        var (userIds, userRank) = SortedIds(userIndex);
        var (songIds, songRank) = SortedIds(songIndex);
        var byUser = UserRows(userIds.Length, rowUsers, rowSongs, rowWeights, userRank, songRank, maxSongsPerUser);
        var bySong = SongColumns(byUser, songIds.Length);
        var sample = Sample(bySong, userIds, maxUsersPerSong);

        var results = new ScoredItem[songIds.Length][];
        Parallel.For(
            0,
            songIds.Length,
            () => new Workspace(songIds.Length, neighbours),
            (song, _, workspace) =>
            {
                results[song] = Neighbours(song, byUser, sample, workspace);
                return workspace;
            },
            static _ => { });

        var map = new Dictionary<string, IReadOnlyList<ScoredSong>>(songIds.Length, StringComparer.Ordinal);
        for (var song = 0; song < songIds.Length; song++)
        {
            if (results[song].Length > 0)
            {
                map[songIds[song]] = Array.ConvertAll(results[song], s => new ScoredSong(songIds[s.Item], s.Score));
            }
        }

        return map;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (List<int> Users, List<int> Songs, List<float> Weights) Collect(
        IEnumerable<(string UserId, string SongId, float Weight)> interactions, Dictionary<string, int> userIndex, Dictionary<string, int> songIndex)
    {
        var capacity = interactions.TryGetNonEnumeratedCount(out var count) ? count : 0;
        var users = new List<int>(capacity);
        var songs = new List<int>(capacity);
        var weights = new List<float>(capacity);
        foreach (var (user, song, weight) in interactions)
        {
            if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(song))
            {
                throw new ArgumentException("User and song ids must not be null or empty.", nameof(interactions));
            }

            if (!(weight > 0) || !float.IsFinite(weight))
            {
                continue;
            }

            users.Add(Intern(userIndex, user));
            songs.Add(Intern(songIndex, song));
            weights.Add(weight);
        }

        return (users, songs, weights);
    }

    private static int Intern(Dictionary<string, int> index, string id)
    {
        ref var value = ref CollectionsMarshal.GetValueRefOrAddDefault(index, id, out var exists);
        if (!exists)
        {
            value = index.Count - 1;
        }

        return value;
    }

    /// <summary>The ids in ordinal order, and the rank of each first-seen index.</summary>
    private static (string[] Ids, int[] Rank) SortedIds(Dictionary<string, int> index)
    {
        var ids = new string[index.Count];
        var firstSeen = new int[index.Count];
        var k = 0;
        foreach (var (id, value) in index)
        {
            ids[k] = id;
            firstSeen[k++] = value;
        }

        Array.Sort(ids, firstSeen, StringComparer.Ordinal);
        var rank = new int[ids.Length];
        for (var r = 0; r < ids.Length; r++)
        {
            rank[firstSeen[r]] = r;
        }

        return (ids, rank);
    }

    /// <summary>
    /// Per user (CSR), their distinct songs in index order with damped values
    /// <c>√c_u · ln(1 + weight)</c>, heaviest <paramref name="maxSongsPerUser"/> only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Csr UserRows(int users, List<int> rowUsers, List<int> rowSongs, List<float> rowWeights, int[] userRank, int[] songRank, int maxSongsPerUser)
    {
        var start = new int[users + 1];
        foreach (var user in rowUsers)
        {
            start[userRank[user] + 1]++;
        }

        for (var u = 0; u < users; u++)
        {
            start[u + 1] += start[u];
        }

        var songs = new int[rowUsers.Count];
        var weights = new float[rowUsers.Count];
        var cursor = start[..^1];
        for (var r = 0; r < rowUsers.Count; r++)
        {
            var position = cursor[userRank[rowUsers[r]]]++;
            songs[position] = songRank[rowSongs[r]];
            weights[position] = rowWeights[r];
        }

        var outStart = new int[users + 1];
        var outSongs = new int[rowUsers.Count];
        var outValues = new float[rowUsers.Count];
        var length = 0;
        for (var u = 0; u < users; u++)
        {
            var from = start[u];
            var count = start[u + 1] - from;
            Array.Sort(songs, weights, from, count);

            // Merge repeated (user, song) rows.
            var distinct = 0;
            for (var k = 0; k < count; k++)
            {
                if (distinct > 0 && songs[from + distinct - 1] == songs[from + k])
                {
                    weights[from + distinct - 1] += weights[from + k];
                }
                else
                {
                    songs[from + distinct] = songs[from + k];
                    weights[from + distinct] = weights[from + k];
                    distinct++;
                }
            }

            if (distinct > maxSongsPerUser)
            {
                var kept = new (int Song, float Weight)[distinct];
                for (var k = 0; k < distinct; k++)
                {
                    kept[k] = (songs[from + k], weights[from + k]);
                }

                Array.Sort(kept, static (a, b) => a.Weight != b.Weight ? b.Weight.CompareTo(a.Weight) : a.Song.CompareTo(b.Song));
                Array.Sort(kept, 0, maxSongsPerUser, Comparer<(int Song, float Weight)>.Create(static (a, b) => a.Song.CompareTo(b.Song)));
                distinct = maxSongsPerUser;
                for (var k = 0; k < distinct; k++)
                {
                    (songs[from + k], weights[from + k]) = kept[k];
                }
            }

            var damping = (float)Math.Sqrt(1.0 / Math.Log2(2 + distinct));
            for (var k = 0; k < distinct; k++)
            {
                outSongs[length] = songs[from + k];
                outValues[length++] = (float)Math.Log(1.0 + weights[from + k]) * damping;
            }

            outStart[u + 1] = length;
        }

        return new Csr(outStart, outSongs[..length], outValues[..length]);
    }

    /// <summary>The transpose: per song, its users in index order with the same values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Csr SongColumns(Csr byUser, int songs)
    {
        var start = new int[songs + 1];
        foreach (var song in byUser.Indices)
        {
            start[song + 1]++;
        }

        for (var s = 0; s < songs; s++)
        {
            start[s + 1] += start[s];
        }

        var users = new int[byUser.Indices.Length];
        var values = new float[byUser.Indices.Length];
        var cursor = start[..^1];
        for (var u = 0; u < byUser.Start.Length - 1; u++)
        {
            for (var k = byUser.Start[u]; k < byUser.Start[u + 1]; k++)
            {
                var position = cursor[byUser.Indices[k]]++;
                users[position] = u;
                values[position] = byUser.Values[k];
            }
        }

        return new Csr(start, users, values);
    }

    /// <summary>Per song the users its neighbours are found through, the scale of its estimates, and its norm (all users).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static SampledColumns Sample(Csr bySong, string[] userIds, int maxUsersPerSong)
    {
        var songs = bySong.Start.Length - 1;
        var norms = new double[songs];
        var scale = new double[songs];
        var start = new int[songs + 1];
        ulong[]? hashes = null;
        var users = new List<int>(bySong.Indices.Length);
        var values = new List<float>(bySong.Values.Length);
        for (var s = 0; s < songs; s++)
        {
            var from = bySong.Start[s];
            var count = bySong.Start[s + 1] - from;
            var sumOfSquares = 0.0;
            for (var k = from; k < from + count; k++)
            {
                sumOfSquares += (double)bySong.Values[k] * bySong.Values[k];
            }

            norms[s] = Math.Sqrt(sumOfSquares);
            if (count <= maxUsersPerSong)
            {
                scale[s] = 1;
                users.AddRange(bySong.Indices.AsSpan(from, count));
                values.AddRange(bySong.Values.AsSpan(from, count));
            }
            else
            {
                hashes ??= Array.ConvertAll(userIds, id => MixSeed.Hash(0, id));
                var positions = Enumerable.Range(from, count)
                    .OrderBy(k => hashes[bySong.Indices[k]]).ThenBy(k => bySong.Indices[k])
                    .Take(maxUsersPerSong)
                    .Order()
                    .ToArray();
                scale[s] = (double)count / maxUsersPerSong;
                foreach (var k in positions)
                {
                    users.Add(bySong.Indices[k]);
                    values.Add(bySong.Values[k]);
                }
            }

            start[s + 1] = users.Count;
        }

        return new SampledColumns(new Csr(start, [.. users], [.. values]), scale, norms);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ScoredItem[] Neighbours(int song, Csr byUser, SampledColumns sample, Workspace workspace)
    {
        var norm = sample.Norms[song];
        if (norm == 0)
        {
            return [];
        }

        var accumulators = workspace.Accumulators;
        var touched = workspace.Touched;
        var touchedCount = 0;
        var columns = sample.Columns;
        for (var k = columns.Start[song]; k < columns.Start[song + 1]; k++)
        {
            var user = columns.Indices[k];
            var value = columns.Values[k];
            var from = byUser.Start[user];
            var songs = byUser.Indices.AsSpan(from, byUser.Start[user + 1] - from);
            var values = byUser.Values.AsSpan(from, songs.Length);
            for (var q = 0; q < songs.Length; q++)
            {
                var other = songs[q];
                ref var accumulator = ref accumulators[other];
                if (accumulator.Count++ == 0)
                {
                    touched[touchedCount++] = other;
                }

                accumulator.Sum += value * values[q];
            }
        }

        var selector = workspace.Selector;
        selector.Clear();
        var scale = sample.Scale[song];
        for (var t = 0; t < touchedCount; t++)
        {
            var other = touched[t];
            ref var accumulator = ref accumulators[other];
            if (other != song && sample.Norms[other] > 0)
            {
                var together = accumulator.Count * scale;
                var cosine = accumulator.Sum * scale / (norm * sample.Norms[other]);
                selector.Add(other, (float)(cosine * together / (together + Shrinkage)));
            }

            accumulator = default;
        }

        return selector.ToSortedArray();
    }

    /// <summary>Compressed sparse rows: row r's entries are [Start[r], Start[r + 1]).</summary>
    private sealed record Csr(int[] Start, int[] Indices, float[] Values);

    private sealed record SampledColumns(Csr Columns, double[] Scale, double[] Norms);

    private struct Accumulator
    {
        public float Sum;
        public int Count;
    }

    /// <summary>One thread's dense accumulators, cleared after each song through the touched list.</summary>
    private sealed class Workspace(int songs, int neighbours)
    {
        /// <summary>Sum and count side by side: one cache line per update.</summary>
        public Accumulator[] Accumulators { get; } = new Accumulator[songs];

        public int[] Touched { get; } = new int[songs];

        public TopKSelector Selector { get; } = new(Math.Min(neighbours, songs));
    }
}
