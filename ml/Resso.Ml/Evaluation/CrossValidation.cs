using Resso.Ml.Data;

namespace Resso.Ml.Evaluation;

/// <summary>Per-user k-fold assignment of interactions for cross-validation.</summary>
public static class CrossValidation
{
    /// <summary>
    /// Assigns every interaction of <paramref name="data"/> to one of <paramref name="folds"/> folds, per user: each
    /// user's interactions are shuffled and dealt round-robin from a random starting fold, so a user's folds differ in
    /// size by at most one and users with fewer interactions than folds do not all land in the first folds. The
    /// result depends only on the data and <paramref name="seed"/>.
    /// </summary>
    /// <param name="data">All interactions.</param>
    /// <param name="folds">The number of folds, at least 2.</param>
    /// <param name="seed">Seeds the random choice.</param>
    /// <returns>The fold of each interaction, in the order of <see cref="InteractionData.ItemIndices"/>.</returns>
    public static int[] AssignFolds(InteractionData data, int folds, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var random = new Random(seed);
        var assignment = new int[data.Count];
        var order = new List<int>();
        var offset = 0;
        for (var u = 0; u < data.UserCount; u++)
        {
            var n = data.CountOf(u);
            order.Clear();
            for (var k = 0; k < n; k++)
            {
                order.Add(k);
            }

            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(order);
            random.Shuffle(span);
            var start = random.Next(folds);
            for (var rank = 0; rank < n; rank++)
            {
                assignment[offset + span[rank]] = (start + rank) % folds;
            }

            offset += n;
        }

        return assignment;
    }

    /// <summary>The split whose test part is fold <paramref name="fold"/> and whose training part is every other fold.</summary>
    /// <param name="data">All interactions.</param>
    /// <param name="assignment">The fold of each interaction, from <see cref="AssignFolds"/>.</param>
    /// <param name="fold">The held-out fold.</param>
    public static TrainTestSplit Split(InteractionData data, ReadOnlySpan<int> assignment, int fold)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (assignment.Length != data.Count)
        {
            throw new ArgumentException($"The assignment has {assignment.Length} folds for {data.Count} interactions.", nameof(assignment));
        }

        var users = data.UserIndices;
        var items = data.ItemIndices;
        var weights = data.Weights;
        var testCount = 0;
        foreach (var f in assignment)
        {
            testCount += f == fold ? 1 : 0;
        }

        var trainUsers = new int[data.Count - testCount];
        var trainItems = new int[trainUsers.Length];
        var trainWeights = new float[trainUsers.Length];
        var testUsers = new int[testCount];
        var testItems = new int[testCount];
        var testWeights = new float[testCount];
        int train = 0, test = 0;
        for (var k = 0; k < data.Count; k++)
        {
            if (assignment[k] == fold)
            {
                testUsers[test] = users[k];
                testItems[test] = items[k];
                testWeights[test++] = weights[k];
            }
            else
            {
                trainUsers[train] = users[k];
                trainItems[train] = items[k];
                trainWeights[train++] = weights[k];
            }
        }

        return new TrainTestSplit(
            InteractionData.Create(data.Users, data.Items, trainUsers, trainItems, trainWeights),
            InteractionData.Create(data.Users, data.Items, testUsers, testItems, testWeights));
    }

    /// <summary>
    /// Summarizes each method over the folds it ran in, matching rows by method name, in order of first appearance.
    /// </summary>
    /// <param name="folds">One report per fold.</param>
    public static IReadOnlyList<CrossValidationSummary> SummarizeMethods(IReadOnlyList<OfflineEvaluationReport> folds)
    {
        ArgumentNullException.ThrowIfNull(folds);
        return
        [
            .. folds.SelectMany(f => f.Results).GroupBy(r => r.Method, StringComparer.Ordinal).Select(group =>
            {
                var rows = group.ToArray();
                var first = rows[0];
                MetricSummary Of(Func<RankingEvaluationResult, double> metric) => Summarize([.. rows.Select(metric)]);
                var stages = first.Stages.Select(stage => new StageSummary(stage.Name, Summarize(
                [
                    .. rows.SelectMany(r => r.Stages).Where(s => string.Equals(s.Name, stage.Name, StringComparison.Ordinal)).Select(s => s.TrainTime.TotalSeconds),
                ])));
                return new CrossValidationSummary(first.Method, first.K, rows.Length, Of(r => r.Ndcg), Of(r => r.Precision), Of(r => r.Recall),
                    Of(r => r.Map), Of(r => r.Coverage), Of(r => r.TrainTime.TotalSeconds))
                {
                    Role = first.Role,
                    Stages = [.. stages],
                };
            }),
        ];
    }

    /// <summary>The mean and sample standard deviation (n − 1) of <paramref name="values"/>; a deviation of 0 for one value.</summary>
    public static MetricSummary Summarize(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return new MetricSummary(double.NaN, double.NaN);
        }

        var mean = values.Average();
        var squares = values.Sum(v => (v - mean) * (v - mean));
        return new MetricSummary(mean, values.Count < 2 ? 0 : Math.Sqrt(squares / (values.Count - 1)));
    }
}

/// <summary>A metric over folds.</summary>
/// <param name="Mean">The mean over folds.</param>
/// <param name="StandardDeviation">The sample standard deviation over folds (n − 1 in the denominator).</param>
public readonly record struct MetricSummary(double Mean, double StandardDeviation);

/// <summary>One method's metrics over the folds of a cross-validation.</summary>
/// <param name="Method">The method's name.</param>
/// <param name="K">The cut-off.</param>
/// <param name="Folds">Folds the method was evaluated on.</param>
/// <param name="Ndcg">NDCG@K.</param>
/// <param name="Precision">precision@K.</param>
/// <param name="Recall">recall@K.</param>
/// <param name="Map">MAP@K.</param>
/// <param name="Coverage">Catalog coverage@K.</param>
/// <param name="TrainSeconds">Training time in seconds.</param>
public sealed record CrossValidationSummary(string Method, int K, int Folds, MetricSummary Ndcg, MetricSummary Precision, MetricSummary Recall,
    MetricSummary Map, MetricSummary Coverage, MetricSummary TrainSeconds)
{
    /// <summary>What the row stands for.</summary>
    /// <value><see cref="MethodRole.Baseline"/>.</value>
    public MethodRole Role { get; init; }

    /// <summary>The training time of each stage over folds, in pipeline order; empty for a single stage.</summary>
    /// <value>Empty.</value>
    public IReadOnlyList<StageSummary> Stages { get; init; } = [];
}

/// <summary>One stage's training time over folds.</summary>
/// <param name="Name">The stage's name.</param>
/// <param name="TrainSeconds">Training time in seconds.</param>
public sealed record StageSummary(string Name, MetricSummary TrainSeconds);

/// <summary>The result of an N-fold cross-validation.</summary>
/// <param name="Users">Users in the data.</param>
/// <param name="Items">Items in the data.</param>
/// <param name="Interactions">Interactions in the data (each is tested in exactly one fold).</param>
/// <param name="Folds">The number of folds.</param>
/// <param name="Options">What was run.</param>
/// <param name="FoldReports">One evaluation per fold, fold 0 first.</param>
/// <param name="Summary">Mean ± standard deviation over folds, one row per method.</param>
public sealed record CrossValidationReport(int Users, int Items, int Interactions, int Folds, OfflineEvaluationOptions Options,
    IReadOnlyList<OfflineEvaluationReport> FoldReports, IReadOnlyList<CrossValidationSummary> Summary)
{
    /// <summary>Every method against the best baseline over all folds (<see cref="BaselineComparison.CompareOverFolds"/>).</summary>
    /// <value>Empty.</value>
    public IReadOnlyList<CrossValidationComparison> Comparisons { get; init; } = [];
}
