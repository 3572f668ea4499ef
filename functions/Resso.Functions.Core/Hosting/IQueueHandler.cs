using Azure.Storage.Queues.Models;

namespace Resso.Functions.Core.Hosting;

/// <summary>
/// The body of a queue-triggered function, written once for both hosts: the Azure Functions
/// <c>QueueTrigger</c> and the self-host's queue listener call <see cref="HandleAsync"/> with the
/// decoded message. Returning completes the message; throwing makes it visible again and, after
/// <c>maxDequeueCount</c> attempts, moves it to <c>{queue}-poison</c>.
/// </summary>
public interface IQueueHandler
{
    /// <summary>The queue this handler consumes.</summary>
    string QueueName { get; }

    /// <summary>Processes one message.</summary>
    Task HandleAsync(QueueMessage message, CancellationToken cancellationToken = default);
}
