using System.Globalization;
using Resso.Ml.Evaluation;
using Resso.Ml.Training;

namespace Resso.Evaluate;

/// <summary>The command line of the evaluation tool, parsed by hand (no parser package is pinned in the repository).</summary>
internal sealed record EvaluateArguments
{
    public const string Usage = """
        Offline evaluation of the Resso recommender against baselines: one row per method, each compared with
        the best baseline by paired per-user NDCG differences with a 95 % bootstrap interval.

        usage: Resso.Evaluate (--hetrec <folder> | --file <path>) [options]
               Resso.Evaluate mix-seeds --world <folder> [--users <n>]   (mix seeds against a world's true taste; mix-seeds --help)

        data:
          --hetrec <folder>        HetRec 2011 Last.fm 2K folder (user_artists.dat, artists.dat)
          --file <path>            delimited file of user,item,weight lines, weight = play count (as in HetRec's
                                   user_artists.dat; 1 when the column is missing, repeated pairs add up);
                                   tab or comma separated, header line optional
        protocol:
          --seed <n>               split seed (default 42)
          --k <n>                  ranking cut-off (default 10)
          --validation             evaluate on a validation split cut from train (for tuning)
          --folds <n>              n-fold cross-validation instead of the single 80/20 split: each user's
                                   interactions dealt into n folds (seeded), each fold the test set once;
                                   prints mean ± standard deviation over folds (not with --validation)
        FFM:
          --tuned                  start from the HetRec-tuned FFM settings (dim 128, --neg-exponent 0.25,
                                   --lambda-latent 0.003); other FFM options still apply on top
          --dim <n>                latent dimension, multiple of 8 (default 64)
          --epochs <n>             epochs, negatives re-drawn each (default 20)
          --negatives <n>          negatives per positive (default 5)
          --lr <x>                 learning rate (default 0.2)
          --lr-decay <x>           learning rate × x each epoch, in (0, 1] (default 1)
          --lambda-latent <x>      latent L2 (default 0.001)
          --lambda-linear <x>      bias L2 (default 0.0001)
          --radius <x>             initial radius (default 0.01)
          --neg-exponent <x>       negatives ∝ (count+1)^x; 0 = uniform (default 0)
          --foldin-lambda <x>      fold-in regularization per example (default 0.003)
          --foldin-steps <n>       fold-in Newton steps (default 4)
          --skip-foldin            do not evaluate fold-in
        baselines:
          --ease-lambda <x>        EASE λ (default 100)
          --skip-ease              do not run EASE
          --als-alpha <x>          ALS confidence slope (default 1)
          --als-lambda <x>         ALS regularization (default 0.1)
          --als-iterations <n>     ALS iterations (default 15)
          --als-binary             ALS confidence 1 + α instead of 1 + α·log(1 + weight)
          --skip-als               do not run implicit ALS
        output:
          --output <path>          also write the report as JSON
          --help                   show this help
        """;

    public string? HetRecFolder { get; init; }

    public string? File { get; init; }

    public string? OutputPath { get; init; }

    public bool Help { get; init; }

    /// <summary>Folds of cross-validation; null for the single split.</summary>
    public int? Folds { get; init; }

    public OfflineEvaluationOptions Options { get; init; } = new();

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with a message for the user.</summary>
    public static EvaluateArguments Parse(IReadOnlyList<string> args)
    {
        var result = new EvaluateArguments();
        var options = new OfflineEvaluationOptions();
        var ffm = args.Contains("--tuned") ? FfmTrainingOptions.Tuned : options.Ffm;
        var foldIn = options.FoldIn;
        var als = options.Als;
        for (var index = 0; index < args.Count; index++)
        {
            var name = args[index];
            string Value()
            {
                if (index + 1 >= args.Count || args[index + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{name} needs a value.");
                }

                return args[++index];
            }

            int Int(int min, int max)
            {
                var text = Value();
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
                {
                    throw new ArgumentException($"{name} must be an integer in [{min}, {max}], not '{text}'.");
                }

                return value;
            }

            double Number(double min, double max)
            {
                var text = Value();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= min && value <= max))
                {
                    throw new ArgumentException($"{name} must be a number in [{min}, {max}], not '{text}'.");
                }

                return value;
            }

            switch (name)
            {
                case "--help" or "-h" or "-?":
                    result = result with { Help = true };
                    break;
                case "--tuned":
                    break;
                case "--hetrec":
                    result = result with { HetRecFolder = Value() };
                    break;
                case "--file":
                    result = result with { File = Value() };
                    break;
                case "--output":
                    result = result with { OutputPath = Value() };
                    break;
                case "--seed":
                    options = options with { Seed = Int(int.MinValue, int.MaxValue) };
                    break;
                case "--k":
                    options = options with { K = Int(1, 1000) };
                    break;
                case "--validation":
                    options = options with { Validation = true };
                    break;
                case "--folds":
                    result = result with { Folds = Int(2, 100) };
                    break;
                case "--dim":
                    var dimension = Int(8, 1024);
                    if (dimension % 8 != 0)
                    {
                        throw new ArgumentException($"--dim must be a multiple of 8 (ML.NET's FFM kernels ignore the rest), not {dimension}.");
                    }

                    ffm = ffm with { LatentDimension = dimension };
                    break;
                case "--epochs":
                    ffm = ffm with { Epochs = Int(1, 1000) };
                    break;
                case "--negatives":
                    ffm = ffm with { NegativesPerPositive = Int(1, 1000) };
                    foldIn = foldIn with { NegativesPerPositive = ffm.NegativesPerPositive };
                    break;
                case "--lr":
                    ffm = ffm with { LearningRate = (float)Number(1e-6, 10) };
                    break;
                case "--lr-decay":
                    ffm = ffm with { LearningRateDecay = (float)Number(1e-3, 1) };
                    break;
                case "--lambda-latent":
                    ffm = ffm with { LambdaLatent = (float)Number(0, 10) };
                    break;
                case "--lambda-linear":
                    ffm = ffm with { LambdaLinear = (float)Number(0, 10) };
                    break;
                case "--radius":
                    ffm = ffm with { InitialRadius = (float)Number(1e-6, 10) };
                    break;
                case "--neg-exponent":
                    ffm = ffm with { NegativeSamplingExponent = Number(0, 2) };
                    break;
                case "--foldin-lambda":
                    foldIn = foldIn with { Regularization = Number(1e-12, 1e6) };
                    break;
                case "--foldin-steps":
                    foldIn = foldIn with { NewtonSteps = Int(1, 100) };
                    break;
                case "--skip-foldin":
                    options = options with { IncludeFoldIn = false };
                    break;
                case "--ease-lambda":
                    options = options with { EaseLambda = Number(1e-9, 1e9) };
                    break;
                case "--skip-ease":
                    options = options with { IncludeEase = false };
                    break;
                case "--als-alpha":
                    als = als with { Alpha = (float)Number(0, 1e6) };
                    break;
                case "--als-lambda":
                    als = als with { Regularization = (float)Number(0, 1e6) };
                    break;
                case "--als-iterations":
                    als = als with { Iterations = Int(1, 1000) };
                    break;
                case "--als-binary":
                    als = als with { LogWeights = false };
                    break;
                case "--skip-als":
                    options = options with { IncludeAls = false };
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{name}'. Run with --help for the options.");
            }
        }

        if (!result.Help && (result.HetRecFolder is null) == (result.File is null))
        {
            throw new ArgumentException("Give exactly one of --hetrec <folder> or --file <path>.");
        }

        if (result.Folds is not null && options.Validation)
        {
            throw new ArgumentException("--folds and --validation do not go together: tune on the validation split, then cross-validate.");
        }

        return result with { Options = options with { Ffm = ffm, FoldIn = foldIn, Als = als } };
    }
}
