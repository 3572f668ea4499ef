using System.Diagnostics.Metrics;

namespace Resso.Functions.SelfHost.Queues;

/// <summary>Counters of the self-host's queue listeners, tagged with the queue's name.</summary>
internal sealed class QueueListenerMetrics
{
    public const string MeterName = "Resso.SelfHost.Queues";

    public QueueListenerMetrics(IMeterFactory meterFactory)
    {
#pragma warning disable CA2000 // the factory owns the meters it creates and disposes them with the container
        var meter = meterFactory.Create(MeterName);
#pragma warning restore CA2000
        Polls = meter.CreateCounter<long>("resso.queue.polls", description: "Receive calls made to a queue.");
        Messages = meter.CreateCounter<long>("resso.queue.messages", description: "Messages handled, by outcome: completed, retried or poisoned.");
    }

    public Counter<long> Polls { get; }

    public Counter<long> Messages { get; }
}
