using Microsoft.Extensions.Logging;

namespace Resso.Ml;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "FFM training started: {Users} users, {Items} items, {Positives} positives, {Epochs} epochs, dimension {Dimension}, warm start {WarmStart}")]
    public static partial void TrainingStarted(ILogger logger, int users, int items, int positives, int epochs, int dimension, bool warmStart);

    [LoggerMessage(2, LogLevel.Debug, "FFM epoch {Epoch}/{Epochs} done after {ElapsedMs} ms")]
    public static partial void EpochDone(ILogger logger, int epoch, int epochs, long elapsedMs);

    [LoggerMessage(3, LogLevel.Information, "FFM training finished in {ElapsedMs} ms")]
    public static partial void TrainingFinished(ILogger logger, long elapsedMs);

    [LoggerMessage(4, LogLevel.Information, "Previous model is not compatible ({Reason}); training from scratch")]
    public static partial void WarmStartRejected(ILogger logger, string reason);

    [LoggerMessage(6, LogLevel.Information, "FFM epoch {Epoch}: validation NDCG@10 {Ndcg:F4} (best {BestNdcg:F4} at epoch {BestEpoch})")]
    public static partial void EpochValidated(ILogger logger, int epoch, double ndcg, double bestNdcg, int bestEpoch);

    [LoggerMessage(7, LogLevel.Information, "FFM training stopped early after epoch {Epoch} of {Epochs}: no gain above {MinImprovement:P1} for {Patience} epochs; keeping epoch {BestEpoch} (NDCG@10 {BestNdcg:F4})")]
    public static partial void StoppedEarly(ILogger logger, int epoch, int epochs, double minImprovement, int patience, int bestEpoch, double bestNdcg);

    [LoggerMessage(5, LogLevel.Warning, "Warm start is unavailable with this ML.NET version; training from scratch")]
    public static partial void WarmStartUnavailable(ILogger logger, Exception exception);
}
