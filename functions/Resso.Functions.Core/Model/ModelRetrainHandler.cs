using System.Text.Json;
using Azure.Storage.Queues.Models;
using Resso.Functions.Core.Health;
using Resso.Functions.Core.Hosting;
using Resso.Ml.Pipeline;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Model;

/// <summary>The <c>model-retrain</c> queue function: trains now, whatever the number of new events.</summary>
public sealed class ModelRetrainHandler(TrainingService training, StorageNames names, QueueProcessingLag lag) : IQueueHandler
{
    /// <inheritdoc />
    public string QueueName => names.ModelRetrainQueue;

    /// <inheritdoc />
    public async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken = default)
    {
        lag.Record(QueueName, message.InsertedOn);
        string reason;
        try
        {
            reason = message.Body.ToObjectFromJson<RetrainRequest>(JsonSerializerOptions.Web)?.Reason ?? "requested";
        }
        catch (JsonException)
        {
            reason = "requested (unreadable request)";
        }

        // Skipped when another instance is training: that training reads the same events.
        await training.TrainAsync($"request: {reason}", onlyIfNewEvents: false, cancellationToken);
    }
}

/// <summary>The retrain timer: on the app setting <c>Resso__Training__Schedule</c>, trains only when enough new events arrived.</summary>
public sealed class RetrainTimer(TrainingService training) : ITimerHandler
{
    /// <summary>
    /// The schedule, as the <c>TimerTrigger</c> attribute holds it. The Functions host resolves
    /// <c>%name%</c> by configuration key, where the app setting <c>Resso__Training__Schedule</c> is
    /// <c>Resso:Training:Schedule</c>: the <c>__</c> form would not resolve and the timer would not load.
    /// </summary>
    public const string ScheduleExpression = "%Resso:Training:Schedule%";

    /// <inheritdoc />
    public string Name => "RetrainTimer";

    /// <inheritdoc />
    public string Schedule => ScheduleExpression;

    /// <inheritdoc />
    public Task RunAsync(CancellationToken cancellationToken = default) =>
        training.TrainAsync("timer", onlyIfNewEvents: true, cancellationToken);
}
