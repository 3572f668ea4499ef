namespace Resso.Ml.Training;

/// <summary>
/// Hyper-parameters of matrix-factorization training with ML.NET's field-aware factorization machine
/// (a user field and an item field, logistic loss, sampled negatives re-drawn every epoch).
/// </summary>
/// <remarks>The defaults are the tuned values measured on HetRec Last.fm 2K (see DESIGN.md, "Recommender").</remarks>
public sealed record FfmTrainingOptions
{
    /// <summary>Length of the user and item vectors; a multiple of 8 (ML.NET's kernels use only ⌊d/8⌋·8 dimensions).</summary>
    /// <value>64.</value>
    public int LatentDimension { get; init; } = 64;

    /// <summary>Passes over the positives; each pass draws fresh negatives.</summary>
    /// <value>20.</value>
    public int Epochs { get; init; } = 20;

    /// <summary>Initial AdaGrad learning rate (restarted by every one-epoch warm-start call).</summary>
    /// <value>0.2.</value>
    public float LearningRate { get; init; } = 0.2f;

    /// <summary>
    /// The learning rate of epoch e (1-based) is LearningRate · decay^(e − 1). Every one-epoch call restarts
    /// ML.NET's AdaGrad state, so without decay each epoch starts with full-size steps.
    /// </summary>
    /// <value>1 (no decay).</value>
    public float LearningRateDecay { get; init; } = 1f;

    /// <summary>L2 regularization of the latent vectors, per example.</summary>
    /// <value>0.001.</value>
    public float LambdaLatent { get; init; } = 1e-3f;

    /// <summary>L2 regularization of the linear weights (biases), per example.</summary>
    /// <value>0.0001 (ML.NET's default).</value>
    public float LambdaLinear { get; init; } = 1e-4f;

    /// <summary>Latent vectors start uniformly in [0, radius).</summary>
    /// <value>0.01.</value>
    public float InitialRadius { get; init; } = 0.01f;

    /// <summary>Sampled negatives per positive interaction, per epoch.</summary>
    /// <value>5.</value>
    public int NegativesPerPositive { get; init; } = 5;

    /// <summary>
    /// Negatives are drawn with probability ∝ (item count + 1)^exponent: 0 is uniform over the catalog,
    /// 1 is proportional to popularity.
    /// </summary>
    /// <value>0 (uniform).</value>
    public double NegativeSamplingExponent { get; init; }

    /// <summary>Whether ML.NET scales each example's features to unit length (s = 1/√2 for two one-hot fields).</summary>
    /// <value>true.</value>
    public bool NormalizeFeatures { get; init; } = true;

    /// <summary>Whether to start from a previous model when its id spaces are a prefix of the new data's.</summary>
    /// <value>true.</value>
    public bool AllowWarmStart { get; init; } = true;

    /// <summary>Seeds initialization, negative sampling and shuffling; training is deterministic for a seed.</summary>
    /// <value>42.</value>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// With validation data given to <see cref="FfmTrainer.Train"/>: stop after this many epochs in a row that did not
    /// raise the validation NDCG@10 by more than <see cref="EarlyStoppingMinImprovement"/>, and keep the best epoch's
    /// model. 0 runs every epoch (and validation, when given, is only reported).
    /// </summary>
    /// <remarks>
    /// Large data sets converge in fewer epochs than small ones (every item sees more updates per epoch), so a fixed
    /// epoch count tuned on a small set spends most of a large set's training time on epochs that change nothing.
    /// </remarks>
    /// <value>0 (off).</value>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>The relative gain in validation NDCG@10 that counts as an improvement (0.005 = 0.5 %).</summary>
    /// <value>0.005.</value>
    public double EarlyStoppingMinImprovement { get; init; } = 0.005;

    /// <summary>At most this many validation users are ranked after each epoch (a seeded sample).</summary>
    /// <value>2,000.</value>
    public int ValidationUsers { get; init; } = 2000;

    /// <summary>
    /// The best settings found on a validation split of HetRec Last.fm 2K (cut from the training part, so the test
    /// part was not looked at): dimension 128, negatives drawn ∝ (count + 1)^0.25, latent L2 0.003, the other
    /// defaults unchanged. Validation NDCG@10 0.165 against 0.148 for the defaults.
    /// </summary>
    public static FfmTrainingOptions Tuned { get; } = new()
    {
        LatentDimension = 128,
        NegativeSamplingExponent = 0.25,
        LambdaLatent = 3e-3f,
    };

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (LatentDimension <= 0 || LatentDimension % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LatentDimension), LatentDimension, "Must be a positive multiple of 8.");
        }

        if (Epochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Must be at least 1.");
        }

        if (!(LearningRate > 0) || !float.IsFinite(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be positive.");
        }

        if (!(LearningRateDecay > 0 && LearningRateDecay <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRateDecay), LearningRateDecay, "Must be in (0, 1].");
        }

        if (!(LambdaLatent >= 0) || !(LambdaLinear >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(LambdaLatent), "Regularization must be non-negative.");
        }

        if (!(InitialRadius > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(InitialRadius), InitialRadius, "Must be positive.");
        }

        if (NegativesPerPositive is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(NegativesPerPositive), NegativesPerPositive, "Must be in [1, 1000].");
        }

        if (!(NegativeSamplingExponent >= 0 && NegativeSamplingExponent <= 2))
        {
            throw new ArgumentOutOfRangeException(nameof(NegativeSamplingExponent), NegativeSamplingExponent, "Must be in [0, 2].");
        }

        if (EarlyStoppingPatience < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "Must be 0 (off) or more.");
        }

        if (!(EarlyStoppingMinImprovement >= 0 && EarlyStoppingMinImprovement < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingMinImprovement), EarlyStoppingMinImprovement, "Must be in [0, 1).");
        }

        if (ValidationUsers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationUsers), ValidationUsers, "Must be at least 1.");
        }
    }
}

/// <summary>Training progress, reported after every epoch.</summary>
/// <param name="Epoch">Epochs done (1-based).</param>
/// <param name="TotalEpochs">Epochs planned.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="ValidationNdcg">NDCG@10 on the validation users after this epoch, when validation data was given.</param>
public readonly record struct TrainingProgress(int Epoch, int TotalEpochs, TimeSpan Elapsed, double? ValidationNdcg = null);
