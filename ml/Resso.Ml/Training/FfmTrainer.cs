using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using Resso.Ml.Data;
using Resso.Ml.Model;

namespace Resso.Ml.Training;

/// <summary>The outcome of a training run.</summary>
/// <param name="Model">The extracted factor model.</param>
/// <param name="WarmStarted">Whether training started from the previous model's parameters.</param>
/// <param name="Epochs">Epochs run (fewer than planned when training stopped early).</param>
/// <param name="Elapsed">Wall time of training, extraction included.</param>
public sealed record FfmTrainingResult(FactorModel Model, bool WarmStarted, int Epochs, TimeSpan Elapsed)
{
    /// <summary>Validation NDCG@10 after each epoch run; empty when training had no validation data.</summary>
    public IReadOnlyList<double> ValidationNdcg { get; init; } = [];

    /// <summary>The epoch whose model this is: the last one run, or with early stopping the best one.</summary>
    public int BestEpoch { get; init; }

    /// <summary>The ML.NET pipeline the factors were extracted from; null when the result was not made by <see cref="FfmTrainer"/>.</summary>
    internal FfmMlNetModel? MlNetModel { get; init; }

    /// <summary>Whether <see cref="SaveMlNetModel"/> has an ML.NET model to save (results made by <see cref="FfmTrainer"/> do).</summary>
    public bool HasMlNetModel => MlNetModel is not null;

    /// <summary>
    /// Saves the trained ML.NET model, to be kept next to the extracted factors, as the zip that
    /// <c>MLContext.Model.Save</c> writes: the key-to-one-hot mapping followed by the field-aware factorization machine's
    /// prediction transformer, with its input schema.
    /// </summary>
    /// <remarks>
    /// Load it with <c>MLContext.Model.Load(stream, out var inputSchema)</c>. Its input is a <c>Label</c> column (boolean,
    /// not used for scoring) and two key columns of type <c>uint</c>: <c>User</c> with <see cref="FactorModel.UserCount"/>
    /// values and <c>Item</c> with <see cref="FactorModel.ItemCount"/> values, holding the model's 0-based user and item
    /// indices (a <c>SchemaDefinition</c> must declare them as <c>KeyDataViewType</c>s of those counts for a
    /// <c>PredictionEngine</c>). Its <c>Score</c> output equals <see cref="FactorModel.Score"/>; serving does not use it
    /// (see <see cref="Scoring.TopKScorer"/>).
    /// </remarks>
    /// <param name="stream">Receives the zip; left open.</param>
    /// <exception cref="InvalidOperationException">The result holds no ML.NET model (<see cref="HasMlNetModel"/> is false).</exception>
    public void SaveMlNetModel(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var model = MlNetModel ?? throw new InvalidOperationException("This training result holds no ML.NET model; only results made by FfmTrainer do.");
        model.Save(stream);
    }
}

/// <summary>The trained ML.NET pipeline (key columns → one-hot vectors → FFM) and the schema of its input.</summary>
internal sealed record FfmMlNetModel(MLContext Context, ITransformer KeyToVector, ITransformer Fitted, DataViewSchema InputSchema)
{
    public void Save(Stream stream) => Context.Model.Save(KeyToVector.Append(Fitted), InputSchema, stream);
}

/// <summary>
/// Trains a matrix-factorization <see cref="FactorModel"/> with ML.NET's field-aware factorization machine:
/// one field for the user (one-hot), one for the item (one-hot), logistic loss on implicit positives
/// and sampled negatives.
/// </summary>
/// <remarks>
/// Each epoch is one warm-started <c>Fit(train, null, previousParameters)</c> call on freshly drawn
/// negatives: fixed negatives are what keeps ML.NET's FFM at popularity level (DESIGN.md).
/// Training is CPU-bound and single-threaded; run it off the request path.
/// </remarks>
public sealed class FfmTrainer(TimeProvider timeProvider, ILogger<FfmTrainer> logger)
{
    internal const string UserColumn = "User";
    internal const string ItemColumn = "Item";
    internal const string UserFeatures = "UserFeatures";
    internal const string ItemFeatures = "ItemFeatures";

    /// <summary>Latent weights from this size on are collected after every epoch (see <see cref="TrainCore"/>).</summary>
    private const long LargeParameterBytes = 64L << 20;

    private static readonly Lazy<ConstructorInfo?> ParametersConstructor = new(FindParametersConstructor);

    /// <summary>Creates a trainer on the system clock without logging.</summary>
    public FfmTrainer()
        : this(TimeProvider.System, NullLogger<FfmTrainer>.Instance)
    {
    }

    /// <summary>Trains a model on <paramref name="data"/>.</summary>
    /// <param name="data">Positive interactions (weights are not used: every interaction is one positive).</param>
    /// <param name="options">Hyper-parameters; the defaults when null.</param>
    /// <param name="previous">
    /// A previous model to start from. Used when <see cref="FfmTrainingOptions.AllowWarmStart"/> is set, its
    /// latent dimension matches and its user and item id maps are prefixes of the data's; otherwise ignored.
    /// </param>
    /// <param name="progress">Receives a report after every epoch.</param>
    /// <param name="validation">
    /// Held-out interactions over the data's id spaces (e.g. from <see cref="InteractionSplitter.SplitPerUser"/>): after
    /// every epoch up to <see cref="FfmTrainingOptions.ValidationUsers"/> of its users are ranked (their training items
    /// excluded) and NDCG@10 reported; with <see cref="FfmTrainingOptions.EarlyStoppingPatience"/> set, training stops
    /// when it no longer improves and the best epoch's model is returned.
    /// </param>
    /// <param name="cancellationToken">Checked between epochs.</param>
    /// <exception cref="ArgumentException">The data has no interaction, or the validation data another id space.</exception>
    public FfmTrainingResult Train(InteractionData data, FfmTrainingOptions? options = null, FactorModel? previous = null,
        IProgress<TrainingProgress>? progress = null, InteractionData? validation = null, CancellationToken cancellationToken = default)
    {
        var run = TrainCore(data, options ?? new FfmTrainingOptions(), previous, progress, cancellationToken, validation);
        return run.Result;
    }

    /// <summary>Why <paramref name="previous"/> cannot warm-start training on <paramref name="data"/>, or null when it can.</summary>
    public static string? WarmStartIncompatibility(FactorModel previous, InteractionData data, FfmTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (previous.LatentDimension != options.LatentDimension)
        {
            return $"latent dimension {previous.LatentDimension} ≠ {options.LatentDimension}";
        }

        if (!previous.Users.IsPrefixOf(data.Users))
        {
            return "its user ids are not a prefix of the data's";
        }

        return !previous.Items.IsPrefixOf(data.Items) ? "its item ids are not a prefix of the data's" : null;
    }

    internal FfmTrainingRun TrainCore(InteractionData data, FfmTrainingOptions options, FactorModel? previous,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, InteractionData? validation = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.Count == 0 || data.UserCount == 0 || data.ItemCount == 0)
        {
            throw new ArgumentException("Training needs at least one interaction.", nameof(data));
        }

        if (validation is not null && (!validation.Users.IsPrefixOf(data.Users) || !validation.Items.IsPrefixOf(data.Items)))
        {
            throw new ArgumentException("Validation data must use the training data's user and item ids.", nameof(validation));
        }

        var start = timeProvider.GetTimestamp();
        var context = new MLContext(options.Seed);
        var random = new Random(options.Seed);
        var userCount = data.UserCount;
        var itemCount = data.ItemCount;
        var dimension = options.LatentDimension;
        var scale = options.NormalizeFeatures ? 1 / MathF.Sqrt(2) : 1f;

        FieldAwareFactorizationMachineModelParameters? parameters = null;
        if (previous is not null && options.AllowWarmStart)
        {
            var reason = WarmStartIncompatibility(previous, data, options);
            if (reason is null)
            {
                parameters = CreateWarmStartParameters(context, previous, userCount, itemCount, options, scale, random);
            }
            else
            {
                Log.WarmStartRejected(logger, reason);
            }
        }

        var warmStarted = parameters is not null;
        Log.TrainingStarted(logger, userCount, itemCount, data.Count, options.Epochs, dimension, warmStarted);

        var schema = CreateInputSchema(userCount, itemCount);
        var emptyInput = context.Data.LoadFromEnumerable(Array.Empty<FfmInputRow>(), schema);
        var keyToVector = CreateKeyToVector(context).Fit(emptyInput);
        var rowCount = checked(data.Count * (1 + options.NegativesPerPositive));
        var sampler = new NegativeSampler(data, options.NegativeSamplingExponent);

        // Two buffers: the next epoch's negatives are drawn and shuffled on another core while ML.NET (single-threaded)
        // trains on the current one. Only that producer draws from the random stream, one epoch after the other, so
        // the examples are the same as when drawn in line.
        var buffers = new[] { new ulong[rowCount], options.Epochs > 1 ? new ulong[rowCount] : [] };
        FillEpochRows(data, buffers[0], sampler, options.NegativesPerPositive, random);
        FieldAwareFactorizationMachinePredictionTransformer? fitted = null;
        var validator = validation is null ? null : new EpochValidator(data, validation, options, timeProvider);
        var epochsRun = 0;
        var largeParameters = (long)(userCount + itemCount) * 2 * dimension * sizeof(float) >= LargeParameterBytes;
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = buffers[(epoch - 1) % 2];
            var next = epoch < options.Epochs
                ? Task.Run(() => FillEpochRows(data, buffers[epoch % 2], sampler, options.NegativesPerPositive, random), CancellationToken.None)
                : Task.CompletedTask;
            try
            {
                var view = new FfmEpochDataView(rows, rowCount, userCount, itemCount);
                var learningRate = options.LearningRate * MathF.Pow(options.LearningRateDecay, epoch - 1);
                var trainer = CreateTrainer(context, options, learningRate);
                fitted = trainer.Fit(view, validationData: null, modelParameters: parameters);
                parameters = fitted.Model;
            }
            finally
            {
                next.Wait(CancellationToken.None);
            }

            if (largeParameters)
            {
                // Every Fit leaves its predecessor's latent weights, AdaGrad state and model copy (3 arrays of
                // features × 2 × d floats) to the large object heap, which only a full collection frees. Left to its
                // budget the GC let them pile up: at 300k features × 64 the working set grew 0.29 GiB per epoch while
                // the live heap stayed flat. One non-compacting full collection per epoch (tens of ms, next to an
                // epoch of a minute) keeps the peak at the live size.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
            }

            epochsRun = epoch;
            double? ndcg = null;
            if (validator is not null)
            {
                ndcg = validator.Evaluate(epoch, fitted!, ExtractModel(parameters!, data.Users, data.Items, scale), cancellationToken);
                Log.EpochValidated(logger, epoch, ndcg.Value, validator.BestNdcg, validator.BestEpoch);
            }

            var elapsed = timeProvider.GetElapsedTime(start);
            Log.EpochDone(logger, epoch, options.Epochs, (long)elapsed.TotalMilliseconds);
            progress?.Report(new TrainingProgress(epoch, options.Epochs, elapsed, ndcg));
            if (validator is not null && options.EarlyStoppingPatience > 0 && epoch < options.Epochs
                && epoch - validator.BestEpoch >= options.EarlyStoppingPatience)
            {
                Log.StoppedEarly(logger, epoch, options.Epochs, options.EarlyStoppingMinImprovement, options.EarlyStoppingPatience,
                    validator.BestEpoch, validator.BestNdcg);
                break;
            }
        }

        var keepBest = validator is not null && options.EarlyStoppingPatience > 0;
        var model = keepBest ? validator!.BestModel! : validator?.LastModel ?? ExtractModel(parameters!, data.Users, data.Items, scale);
        var kept = keepBest ? validator!.BestFitted! : fitted!;
        var total = timeProvider.GetElapsedTime(start);
        Log.TrainingFinished(logger, (long)total.TotalMilliseconds);
        var mlNet = new FfmMlNetModel(context, keyToVector, kept, emptyInput.Schema);
        var result = new FfmTrainingResult(model, warmStarted, epochsRun, total)
        {
            MlNetModel = mlNet,
            ValidationNdcg = validator?.History ?? [],
            BestEpoch = keepBest ? validator!.BestEpoch : epochsRun,
        };
        return new FfmTrainingRun(result, context, keyToVector, kept, schema);
    }

    /// <summary>Ranks a sample of validation users after each epoch and remembers the best epoch's model.</summary>
    private sealed class EpochValidator(InteractionData train, InteractionData validation, FfmTrainingOptions options, TimeProvider timeProvider)
    {
        private readonly InteractionData _sample = InteractionSplitter.SampleUsers(validation, options.ValidationUsers, options.Seed);
        private readonly List<double> _history = [];

        public IReadOnlyList<double> History => _history;

        public int BestEpoch { get; private set; }

        public double BestNdcg { get; private set; } = double.NegativeInfinity;

        public FactorModel? BestModel { get; private set; }

        public FieldAwareFactorizationMachinePredictionTransformer? BestFitted { get; private set; }

        /// <summary>The model of the last epoch evaluated (extracted once, for validation and for the result).</summary>
        public FactorModel? LastModel { get; private set; }

        /// <summary>NDCG@10 of <paramref name="model"/>; it becomes the best when it beats the best by the minimum relative gain.</summary>
        public double Evaluate(int epoch, FieldAwareFactorizationMachinePredictionTransformer fitted, FactorModel model, CancellationToken cancellationToken)
        {
            var result = Evaluation.RankingEvaluator.Evaluate("validation", train, _sample,
                (user, scores) => Scoring.TopKScorer.ScoreAll(model, model.UserVector(user), scores), 10, timeProvider,
                cancellationToken: cancellationToken);
            _history.Add(result.Ndcg);
            LastModel = model;
            if (BestModel is null || result.Ndcg > BestNdcg * (1 + options.EarlyStoppingMinImprovement))
            {
                (BestEpoch, BestNdcg, BestModel, BestFitted) = (epoch, result.Ndcg, model, fitted);
            }

            return result.Ndcg;
        }
    }

    /// <summary>
    /// Reads the user and item vectors out of ML.NET's parameters. Features are numbered user field first;
    /// latent element k of feature j for field f is at <c>(j·fields + f)·d + k</c>; a user's vector is its
    /// latent vector towards the item field and an item's its latent vector towards the user field, both
    /// times the feature scale s, so that bias_u + bias_i + ⟨p_u, q_i⟩ is ML.NET's score.
    /// </summary>
    internal static FactorModel ExtractModel(FieldAwareFactorizationMachineModelParameters parameters, IdMap users, IdMap items, float scale)
    {
        const int fields = 2;
        var d = parameters.LatentDimension;
        var linear = parameters.GetLinearWeights();
        var latentList = parameters.GetLatentWeights();
        var latent = latentList as float[] ?? [.. latentList];
        var userCount = users.Count;
        var itemCount = items.Count;
        if (parameters.FeatureCount != userCount + itemCount || parameters.FieldCount != fields)
        {
            throw new InvalidOperationException("The trained parameters do not match the data's id spaces.");
        }

        var userFactors = new float[userCount * d];
        var userBiases = new float[userCount];
        for (var u = 0; u < userCount; u++)
        {
            userBiases[u] = scale * linear[u];
            var source = latent.AsSpan(((u * fields) + 1) * d, d);
            var target = userFactors.AsSpan(u * d, d);
            System.Numerics.Tensors.TensorPrimitives.Multiply(source, scale, target);
        }

        var itemFactors = new float[itemCount * d];
        var itemBiases = new float[itemCount];
        for (var i = 0; i < itemCount; i++)
        {
            var j = userCount + i;
            itemBiases[i] = scale * linear[j];
            var source = latent.AsSpan(((j * fields) + 0) * d, d);
            var target = itemFactors.AsSpan(i * d, d);
            System.Numerics.Tensors.TensorPrimitives.Multiply(source, scale, target);
        }

        return new FactorModel(users, items, d, userFactors, itemFactors, userBiases, itemBiases);
    }

    private static FieldAwareFactorizationMachineTrainer CreateTrainer(MLContext context, FfmTrainingOptions options, float learningRate) =>
        context.BinaryClassification.Trainers.FieldAwareFactorizationMachine(new FieldAwareFactorizationMachineTrainer.Options
        {
            FeatureColumnName = UserFeatures,
            ExtraFeatureColumns = [ItemFeatures],
            LabelColumnName = nameof(FfmInputRow.Label),
            LatentDimension = options.LatentDimension,
            LearningRate = learningRate,
            LambdaLatent = options.LambdaLatent,
            LambdaLinear = options.LambdaLinear,
            Radius = options.InitialRadius,
            NormalizeFeatures = options.NormalizeFeatures,
            NumberOfIterations = 1,
            Shuffle = false,
            Verbose = false,
        });

    internal static SchemaDefinition CreateInputSchema(int userCount, int itemCount)
    {
        var schema = SchemaDefinition.Create(typeof(FfmInputRow));
        schema[UserColumn].ColumnType = new KeyDataViewType(typeof(uint), userCount);
        schema[ItemColumn].ColumnType = new KeyDataViewType(typeof(uint), itemCount);
        return schema;
    }

    internal static IEstimator<ITransformer> CreateKeyToVector(MLContext context) =>
        context.Transforms.Conversion.MapKeyToVector(
        [
            new InputOutputColumnPair(UserFeatures, UserColumn),
            new InputOutputColumnPair(ItemFeatures, ItemColumn),
        ]);

    private static void FillEpochRows(InteractionData data, ulong[] rows, NegativeSampler sampler, int negatives, Random random)
    {
        var users = data.UserIndices;
        var items = data.ItemIndices;
        var r = 0;
        for (var k = 0; k < users.Length; k++)
        {
            var u = users[k];
            var userItems = data.ItemsOf(u);

            rows[r++] = FfmEpochDataView.Pack(true, u, items[k]);
            for (var n = 0; n < negatives; n++)
            {
                rows[r++] = FfmEpochDataView.Pack(false, u, sampler.Sample(random, userItems));
            }
        }

        // Shuffle here rather than in ML.NET: the order is then fixed by our seed, and cursors stay sequential.
        random.Shuffle(rows);
    }

    private FieldAwareFactorizationMachineModelParameters? CreateWarmStartParameters(MLContext context, FactorModel previous,
        int userCount, int itemCount, FfmTrainingOptions options, float scale, Random random)
    {
        const int fields = 2;
        var d = options.LatentDimension;
        var featureCount = userCount + itemCount;
        var linear = new float[featureCount];
        var latent = new float[featureCount * fields * d];

        // New features start like ML.NET initialises them: uniform in [0, radius).
        for (var k = 0; k < latent.Length; k++)
        {
            latent[k] = options.InitialRadius * random.NextSingle();
        }

        for (var u = 0; u < previous.UserCount; u++)
        {
            linear[u] = previous.UserBiases[u] / scale;
            System.Numerics.Tensors.TensorPrimitives.Divide(previous.UserVector(u), scale, latent.AsSpan(((u * fields) + 1) * d, d));
        }

        for (var i = 0; i < previous.ItemCount; i++)
        {
            var j = userCount + i;
            linear[j] = previous.ItemBiases[i] / scale;
            System.Numerics.Tensors.TensorPrimitives.Divide(previous.ItemVector(i), scale, latent.AsSpan((j * fields) * d, d));
        }

        var constructor = ParametersConstructor.Value;
        if (constructor is null)
        {
            Log.WarmStartUnavailable(logger, new MissingMethodException(nameof(FieldAwareFactorizationMachineModelParameters), ".ctor"));
            return null;
        }

        try
        {
            return (FieldAwareFactorizationMachineModelParameters)constructor.Invoke(
                [context, options.NormalizeFeatures, fields, featureCount, d, linear, latent]);
        }
        catch (TargetInvocationException exception)
        {
            Log.WarmStartUnavailable(logger, exception.InnerException ?? exception);
            return null;
        }
    }

    /// <remarks>
    /// ML.NET offers warm start only from parameters it trained itself, with the same feature count. To grow
    /// the id spaces (new users and items appended) we build parameters through its internal constructor
    /// (weights, latent weights in the documented layout); when a future version lacks it, training starts
    /// from scratch instead.
    /// </remarks>
    private static ConstructorInfo? FindParametersConstructor() =>
        typeof(FieldAwareFactorizationMachineModelParameters).GetConstructor(
            BindingFlags.Instance | BindingFlags.NonPublic,
            [typeof(IHostEnvironment), typeof(bool), typeof(int), typeof(int), typeof(int), typeof(float[]), typeof(float[])]);
}

/// <summary>One training example as ML.NET reads it: key-typed user and item, boolean label.</summary>
/// <remarks>
/// LoadFromEnumerable takes key values 0-based and stores them +1 (0 being the missing key); a value at or
/// above the key count silently becomes an empty one-hot vector, so indices are checked against the id maps.
/// </remarks>
internal sealed class FfmInputRow
{
    public bool Label { get; set; }

    public uint User { get; set; }

    public uint Item { get; set; }

    public void Set(bool label, int user, int item)
    {
        Label = label;
        User = (uint)user;
        Item = (uint)item;
    }
}

/// <summary>What ML.NET's FFM prediction adds to a row.</summary>
internal sealed class FfmOutputRow
{
    public float Score { get; set; }
}

internal sealed record FfmTrainingRun(FfmTrainingResult Result, MLContext Context, ITransformer KeyToVector,
    FieldAwareFactorizationMachinePredictionTransformer Fitted, SchemaDefinition InputSchema);
