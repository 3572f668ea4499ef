using Microsoft.Extensions.Logging;

namespace Resso.Ml;

internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Serving model {Version} (was {Previous}): {Users} users, {Songs} songs")]
    public static partial void ModelSwapped(ILogger logger, string version, string previous, int users, int songs);

    [LoggerMessage(101, LogLevel.Error, "Model {Version} refused: it cannot be loaded; still serving {Serving}")]
    public static partial void ModelRefused(ILogger logger, Exception exception, string version, string serving);

    [LoggerMessage(102, LogLevel.Warning, "Could not check the current model pointer; trying again at the next poll")]
    public static partial void ModelPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(107, LogLevel.Debug, "Could not check the current model pointer while storage is unreachable; trying again at the next poll")]
    public static partial void ModelPollDeferred(ILogger logger, Exception exception);

    [LoggerMessage(103, LogLevel.Error, "The current model pointer cannot be read; still serving {Serving}")]
    public static partial void CurrentPointerUnreadable(ILogger logger, Exception exception, string serving);

    [LoggerMessage(104, LogLevel.Warning, "Serving model {Version}, the newest readable published version, because {Reason}")]
    public static partial void ServingFallback(ILogger logger, string version, string reason);

    [LoggerMessage(105, LogLevel.Error, "No published model could be loaded ({Tried} tried) after {Reason}; listeners get trending until a model is published")]
    public static partial void NoFallback(ILogger logger, int tried, string reason);

    [LoggerMessage(106, LogLevel.Warning, "Model {Version} could not be read from storage now; trying again at the next poll")]
    public static partial void ModelLoadDeferred(ILogger logger, Exception exception, string version);

    [LoggerMessage(110, LogLevel.Information, "Training ({Trigger}) skipped: {Reason}")]
    public static partial void TrainingSkipped(ILogger logger, string trigger, string reason);

    [LoggerMessage(111, LogLevel.Information, "Training ({Trigger}): {Events} events, {Users} users, {Songs} songs, {Interactions} interactions")]
    public static partial void TrainingData(ILogger logger, string trigger, long events, int users, int songs, int interactions);

    [LoggerMessage(112, LogLevel.Information, "Training stage done: {Stage}")]
    public static partial void TrainingStage(ILogger logger, string stage);

    [LoggerMessage(113, LogLevel.Information, "Model {Version}: {Decision} (candidate NDCG@10 {Candidate:F4}, current {CurrentVersion} {Current}, tolerance {Tolerance}); {Reason}")]
    public static partial void PublishDecision(ILogger logger, string version, string decision, double candidate, string currentVersion, string current, double tolerance, string reason);

    [LoggerMessage(114, LogLevel.Warning, "The current model {Version} cannot be loaded for comparison; the candidate is judged on its own")]
    public static partial void CurrentModelUnreadable(ILogger logger, Exception exception, string version);

    [LoggerMessage(120, LogLevel.Warning, "Fold-in of user {UserId} failed; it is computed again on their next request")]
    public static partial void FoldInFailed(ILogger logger, Exception exception, string userId);
}
