using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Resso.Ml.Ranking;
using Resso.Ml.Training;

namespace Resso.Ml.Pipeline;

/// <summary>Training, publishing and serving of the recommender (<c>Resso__Training__…</c>).</summary>
public sealed class RecommenderOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:Training";

    /// <summary>The retrain timer's six-field NCRONTAB schedule (UTC).</summary>
    /// <value>Hourly: <c>0 0 * * * *</c>.</value>
    [Required]
    public string Schedule { get; set; } = "0 0 * * * *";

    /// <summary>The timer retrains only when at least this many events arrived since the current model's data.</summary>
    /// <value>1,000.</value>
    [Range(0, int.MaxValue)]
    public int MinNewEvents { get; set; } = 1_000;

    /// <summary>
    /// The practical margin of the publish guard: a candidate is refused only when it is significantly worse than the
    /// current model (the 95 % paired bootstrap interval of the NDCG@10 difference lies below zero) and its mean NDCG@10
    /// is lower by more than this (absolute); see <see cref="PublishGuard"/>. 0 refuses every significantly worse candidate.
    /// </summary>
    /// <value>0.01.</value>
    [Range(0.0, 1.0)]
    public double PublishTolerance { get; set; } = 0.01;

    /// <summary>
    /// Share of the interactions held out to evaluate candidate and current model, chosen by a seeded hash of user and song
    /// so that the same interactions are held out at every retrain (<see cref="Data.InteractionSplitter.SplitStable"/>).
    /// </summary>
    /// <value>0.2.</value>
    [Range(0.05, 0.5)]
    public double HoldoutFraction { get; set; } = 0.2;

    /// <summary>At most this many held-out users are ranked per evaluation (a seeded sample beyond it).</summary>
    /// <value>5,000.</value>
    [Range(100, 1_000_000)]
    public int MaxEvaluationUsers { get; set; } = 5_000;

    /// <summary>An interaction's weight halves every this many days (recency of the user's events).</summary>
    /// <value>30.</value>
    [Range(0.1, 3650)]
    public double RecencyHalfLifeDays { get; set; } = 30;

    /// <summary>Latent dimension of the factorization (a multiple of 8).</summary>
    /// <value>128 (the setting tuned on HetRec Last.fm 2K).</value>
    [Range(8, 512)]
    public int LatentDimension { get; set; } = 128;

    /// <summary>Training epochs, negatives re-drawn each.</summary>
    /// <value>20.</value>
    [Range(1, 200)]
    public int Epochs { get; set; } = 20;

    /// <summary>
    /// Training stops after this many epochs without a gain in validation NDCG@10 (0.5 % relative) and keeps the best
    /// epoch's model; 0 always runs <see cref="Epochs"/>. Validation uses held-out users beyond the
    /// <see cref="MaxEvaluationUsers"/> that judge publishing (so small data sets, with none left over, run every epoch).
    /// </summary>
    /// <value>3 (FFM's first epochs are flat: a patience of 1 stops them at a popularity-level model).</value>
    [Range(0, 200)]
    public int EarlyStoppingPatience { get; set; } = 3;

    /// <summary>At most this many held-out users are ranked after each epoch for early stopping.</summary>
    /// <value>2,000.</value>
    [Range(100, 1_000_000)]
    public int ValidationUsers { get; set; } = 2_000;

    /// <summary>How often each instance checks the <c>current</c> pointer for a new model.</summary>
    /// <value>30 seconds (a new model is served within 60 s).</value>
    public TimeSpan ModelPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether serving reads the published model's item factors in place from a memory-mapped local file (in the
    /// temporary directory) instead of an array on the managed heap; see <c>docs/recommender.md</c>, "Serving memory".
    /// Results are the same either way.
    /// </summary>
    /// <value>true (the float factors of a large catalog would not fit a 2 GB instance's heap).</value>
    public bool MapItemFactors { get; set; } = true;

    /// <summary>Seeds the split, the evaluation sample, training and the publish guard's bootstrap.</summary>
    /// <value>42.</value>
    public int Seed { get; set; } = 42;

    /// <summary>
    /// What the pipeline is trained with under these options: the settings <see cref="TrainingService"/> trains the served model
    /// with, and offline tools that measure the served model train with too.
    /// </summary>
    /// <param name="k">The ranking cut-off the pipeline is tuned for.</param>
    public PipelineTrainingOptions PipelineOptions(int k) => new()
    {
        Ffm = new FfmTrainingOptions
        {
            LatentDimension = LatentDimension,
            Epochs = Epochs,
            EarlyStoppingPatience = EarlyStoppingPatience,
            ValidationUsers = ValidationUsers,
        },
        MaxTuningUsers = ValidationUsers,
        MaxRankerUsers = MaxEvaluationUsers,
        K = k,
        Seed = Seed,
    };
}

[OptionsValidator]
internal sealed partial class RecommenderOptionsValidator : IValidateOptions<RecommenderOptions>;
