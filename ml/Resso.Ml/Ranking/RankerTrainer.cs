using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace Resso.Ml.Ranking;

/// <summary>One training row of the ranker: a listener's candidate, its features and whether the listener took it.</summary>
public sealed class RankerRow
{
    /// <summary>1 when the candidate is among the listener's held-out songs, else 0.</summary>
    public float Label { get; set; }

    /// <summary>The listener (one ranking group per listener).</summary>
    public uint Group { get; set; }

    /// <summary>The candidate's features (<see cref="CandidateFeatures"/>).</summary>
    [VectorType(CandidateFeatures.Count)]
    public float[] Features { get; set; } = [];
}

/// <summary>Settings of the LightGBM LambdaRank ranker.</summary>
public sealed record RankerTrainingOptions
{
    /// <summary>Boosting rounds (the served model may use fewer: the count is chosen on validation).</summary>
    /// <value>60.</value>
    public int Iterations { get; init; } = 60;

    /// <summary>Shrinkage per round.</summary>
    /// <value>0.1.</value>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Leaves per tree.</summary>
    /// <value>31.</value>
    public int Leaves { get; init; } = 31;

    /// <summary>Fewest rows in a leaf.</summary>
    /// <value>50.</value>
    public int MinimumRowsPerLeaf { get; init; } = 50;

    /// <summary>Seeds LightGBM.</summary>
    /// <value>42.</value>
    public int Seed { get; init; } = 42;
}

/// <summary>Trains the ranker with ML.NET's LightGBM LambdaRank (optimising NDCG per listener) and copies its trees out.</summary>
public static class RankerTrainer
{
    /// <summary>Trains on <paramref name="rows"/> (grouped by <see cref="RankerRow.Group"/>, groups contiguous).</summary>
    /// <returns>The trees, and the ML.NET transformer for checking them.</returns>
    /// <exception cref="InvalidOperationException">LightGBM found no split that the settings allow (too few rows for two leaves of
    /// <see cref="RankerTrainingOptions.MinimumRowsPerLeaf"/>, or no feature that separates the labels).</exception>
    public static (RankerModel Model, ITransformer Transformer, MLContext Context) Train(IReadOnlyList<RankerRow> rows, RankerTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        if (rows.Count == 0)
        {
            throw new ArgumentException("The ranker needs at least one row.", nameof(rows));
        }

        var context = new MLContext(options.Seed);
        var data = context.Data.LoadFromEnumerable(rows);
        var trainer = context.Ranking.Trainers.LightGbm(new LightGbmRankingTrainer.Options
        {
            LabelColumnName = nameof(RankerRow.Label),
            FeatureColumnName = nameof(RankerRow.Features),
            RowGroupColumnName = "GroupKey",
            NumberOfIterations = options.Iterations,
            LearningRate = options.LearningRate,
            NumberOfLeaves = options.Leaves,
            MinimumExampleCountPerLeaf = options.MinimumRowsPerLeaf,
            Seed = options.Seed,
            Verbose = false,
            Silent = true,
        });
        var estimator = context.Transforms.Conversion.MapValueToKey("GroupKey", nameof(RankerRow.Group)).Append(trainer);
        TransformerChain<RankingPredictionTransformer<LightGbmRankingModelParameters>> transformer;
        try
        {
            transformer = estimator.Fit(data);
        }
        catch (ArgumentNullException exception) when (exception.ParamName == "items")
        {
            // ML.NET cannot wrap a LightGBM tree that is a single leaf (dotnet/machinelearning#5022), which LightGBM returns when no split
            // meets the settings.
            throw new InvalidOperationException(
                $"LightGBM found no split in {rows.Count} rows with at least {options.MinimumRowsPerLeaf} rows a leaf.", exception);
        }

        var ensemble = transformer.LastTransformer.Model.TrainedTreeEnsemble;
        return (RankerModel.FromEnsemble(ensemble, CandidateFeatures.Count), transformer, context);
    }
}
