using Resso.Ml.Data;
using Resso.Ml.Scoring;

namespace Resso.Ml.Evaluation;

/// <summary>Writes a score for every item (index = item index) for one user. Must be safe to call from several threads.</summary>
/// <param name="user">The user index.</param>
/// <param name="scores">One slot per item; higher ranks first.</param>
public delegate void UserScorer(int user, Span<float> scores);

/// <summary>What a row of an evaluation stands for.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<MethodRole>))]
public enum MethodRole
{
    /// <summary>A method the product is measured against; the best one is the reference of the comparisons.</summary>
    Baseline,

    /// <summary>The pipeline the product serves.</summary>
    Product,

    /// <summary>A variant shown for insight (such as fold-in users), neither product nor baseline.</summary>
    Diagnostic,
}

/// <summary>The training time of one stage of a method.</summary>
/// <param name="Name">The stage's name.</param>
/// <param name="TrainTime">Time to fit the stage.</param>
public sealed record StageTime(string Name, TimeSpan TrainTime);

/// <summary>The metrics of one method on one split.</summary>
/// <param name="Method">The method's name.</param>
/// <param name="K">The cut-off.</param>
/// <param name="Users">Test users evaluated (users with at least one held-out item).</param>
/// <param name="Precision">Mean precision@K.</param>
/// <param name="Recall">Mean recall@K.</param>
/// <param name="Ndcg">Mean NDCG@K.</param>
/// <param name="Map">MAP@K.</param>
/// <param name="Coverage">Catalog coverage@K.</param>
/// <param name="TrainTime">Time to fit the method (zero when not applicable).</param>
/// <param name="EvaluationTime">Time to rank every test user.</param>
public sealed record RankingEvaluationResult(string Method, int K, int Users, double Precision, double Recall, double Ndcg, double Map,
    double Coverage, TimeSpan TrainTime, TimeSpan EvaluationTime)
{
    /// <summary>What the row stands for.</summary>
    /// <value><see cref="MethodRole.Baseline"/>.</value>
    public MethodRole Role { get; init; }

    /// <summary>The training time of each stage of a method built from several, in pipeline order; empty for a single stage.</summary>
    /// <value>Empty.</value>
    public IReadOnlyList<StageTime> Stages { get; init; } = [];

    /// <summary>The evaluated users' indices, ascending (aligned with <see cref="UserNdcg"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<int> UserIndices { get; init; } = [];

    /// <summary>Each evaluated user's NDCG@K, in <see cref="UserIndices"/> order: the pairs of a paired comparison.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double> UserNdcg { get; init; } = [];
}

/// <summary>
/// Full-ranking offline evaluation: for each user with held-out items, score every item, drop the user's
/// training items, take the top K and compare with the held-out items.
/// </summary>
public static class RankingEvaluator
{
    /// <summary>Evaluates a scorer.</summary>
    /// <param name="method">Names the method in the result.</param>
    /// <param name="train">The training interactions (excluded from each user's ranking).</param>
    /// <param name="test">The held-out interactions, over the same id spaces.</param>
    /// <param name="scorer">Scores all items for a user.</param>
    /// <param name="k">The cut-off.</param>
    /// <param name="timeProvider">Measures evaluation time; the system clock when null.</param>
    /// <param name="trainTime">Reported as the method's training time.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    public static RankingEvaluationResult Evaluate(string method, InteractionData train, InteractionData test, UserScorer scorer, int k = 10,
        TimeProvider? timeProvider = null, TimeSpan trainTime = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (!ReferenceEquals(train.Items, test.Items) && !train.Items.IsPrefixOf(test.Items))
        {
            throw new ArgumentException("Train and test must share the item id space.", nameof(test));
        }

        timeProvider ??= TimeProvider.System;
        var start = timeProvider.GetTimestamp();
        var users = Enumerable.Range(0, test.UserCount).Where(u => test.CountOf(u) > 0).ToArray();
        var lists = new int[users.Length][];
        var metrics = new double[users.Length, 4];
        var itemCount = train.ItemCount;
        var options = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.For(0, users.Length, options,
            () => (Scores: new float[itemCount], Exclude: new ItemBitSet(itemCount)),
            (index, _, buffers) =>
            {
                var user = users[index];
                buffers.Scores.AsSpan().Clear();
                scorer(user, buffers.Scores);
                var trainItems = user < train.UserCount ? train.ItemsOf(user) : [];
                foreach (var item in trainItems)
                {
                    buffers.Exclude.Add(item);
                }

                var top = TopKSelector.Select(buffers.Scores, k, buffers.Exclude);
                foreach (var item in trainItems)
                {
                    buffers.Exclude.Remove(item);
                }

                var ranked = new int[top.Length];
                for (var r = 0; r < top.Length; r++)
                {
                    ranked[r] = top[r].Item;
                }

                var relevant = new HashSet<int>(test.ItemsOf(user).ToArray());
                lists[index] = ranked;
                metrics[index, 0] = RankingMetrics.Precision(ranked, relevant, k);
                metrics[index, 1] = RankingMetrics.Recall(ranked, relevant, k);
                metrics[index, 2] = RankingMetrics.Ndcg(ranked, relevant, k);
                metrics[index, 3] = RankingMetrics.AveragePrecision(ranked, relevant, k);
                return buffers;
            },
            _ => { });

        // Sum in user order so that results do not depend on thread scheduling.
        var sums = new double[4];
        for (var index = 0; index < users.Length; index++)
        {
            for (var m = 0; m < 4; m++)
            {
                sums[m] += metrics[index, m];
            }
        }

        var count = Math.Max(1, users.Length);
        var coverage = RankingMetrics.Coverage(lists, itemCount, k);
        var userNdcg = new double[users.Length];
        for (var index = 0; index < users.Length; index++)
        {
            userNdcg[index] = metrics[index, 2];
        }

        return new RankingEvaluationResult(method, k, users.Length, sums[0] / count, sums[1] / count, sums[2] / count, sums[3] / count,
            coverage, trainTime, timeProvider.GetElapsedTime(start))
        {
            UserIndices = users,
            UserNdcg = userNdcg,
        };
    }
}
