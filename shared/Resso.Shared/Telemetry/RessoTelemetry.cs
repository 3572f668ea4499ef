using System.Diagnostics;
using System.Reflection;

namespace Resso.Shared.Telemetry;

/// <summary>
/// The app's one <see cref="System.Diagnostics.Metrics.Meter"/> and one <see cref="System.Diagnostics.ActivitySource"/>,
/// both named <see cref="Name"/>, with the names of their instruments and tags. Every tag value is
/// one of a few fixed words: never a user, video, token, claim code or key.
/// </summary>
public static class RessoTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "Resso";

    /// <summary>The build's version, on the meter and the activity source.</summary>
    public static readonly string Version =
        typeof(RessoTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The app's spans: queue messages handled, training, roll-ups.</summary>
    public static readonly ActivitySource ActivitySource = new(Name, Version);

    /// <summary>Instrument names.</summary>
    public static class Instruments
    {
        /// <summary>Counter, <c>{event}</c>: events validated and enqueued by <c>POST /api/events</c>.</summary>
        public const string EventsAccepted = "resso.events.accepted";

        /// <summary>Counter, <c>{event}</c>: distinct events counted (exactly once) by the <c>song-used</c> handler.</summary>
        public const string EventsCounted = "resso.events.counted";

        /// <summary>Counter, <c>{event}</c>: valid events another message had already counted.</summary>
        public const string EventsDuplicates = "resso.events.duplicates";

        /// <summary>Counter, <c>{event}</c>: invalid events (or whole messages) sent to the poison queue by the handler.</summary>
        public const string EventsRejected = "resso.events.rejected";

        /// <summary>Histogram, <c>s</c>: from the message's insertion into <c>song-used</c> to its events being counted, once per counted event.</summary>
        public const string EventsLag = "resso.events.lag";

        /// <summary>Observable gauge, <c>{message}</c>: approximate messages waiting, by <see cref="Tags.Queue"/>.</summary>
        public const string QueueDepth = "resso.queue.depth";

        /// <summary>Observable gauge, <c>{message}</c>: approximate messages in a poison queue, by the <see cref="Tags.Queue"/> they came from.</summary>
        public const string PoisonMessages = "resso.queue.poison";

        /// <summary>Counter, <c>{request}</c>: receive calls of the self-host's queue listeners, by <see cref="Tags.Queue"/>.</summary>
        public const string QueuePolls = "resso.queue.polls";

        /// <summary>Counter, <c>{message}</c>: messages the self-host's listeners handled, by <see cref="Tags.Queue"/> and <see cref="Tags.Outcome"/> (completed, retried, poisoned).</summary>
        public const string QueueMessages = "resso.queue.messages";

        /// <summary>Counter, <c>{offer}</c>: offers served, by <see cref="Tags.OfferKind"/>.</summary>
        public const string OffersServed = "resso.offers.served";

        /// <summary>Counter, <c>{follow}</c>: signed links followed, by <see cref="Tags.Destination"/> (app, web, store, store_with_claim, refused).</summary>
        public const string LinksFollowed = "resso.links.followed";

        /// <summary>Counter, <c>{claim}</c>: claim redemptions, by <see cref="Tags.Outcome"/> (redeemed, already_redeemed, expired, unknown, malformed).</summary>
        public const string Claims = "resso.claims";

        /// <summary>Counter, <c>{conversion}</c>: conversions recorded (not repeats), by <see cref="Tags.Attributed"/> and <see cref="Tags.AttributedBy"/>.</summary>
        public const string Conversions = "resso.conversions";

        /// <summary>Observable gauge, <c>s</c>: age of the model this instance serves (since its training finished).</summary>
        public const string ModelAge = "resso.model.age";

        /// <summary>Histogram, <c>s</c>: training runs that trained a candidate, by <see cref="Tags.Outcome"/> (published, refused).</summary>
        public const string TrainingDuration = "resso.training.duration";

        /// <summary>Histogram, <c>s</c>: computing an answer of a ranking route, by <see cref="Tags.Route"/> (recommendations, mixes, similar).</summary>
        public const string RankingDuration = "resso.ranking.duration";
    }

    /// <summary>Tag (attribute) names.</summary>
    public static class Tags
    {
        /// <summary>The queue's name, e.g. <c>song-used</c> (with the deployment's storage prefix, if any: one value per queue).</summary>
        public const string Queue = "resso.queue";

        /// <summary>What happened.</summary>
        public const string Outcome = "resso.outcome";

        /// <summary>open_in_app, free_trial, subscribe or listen_free.</summary>
        public const string OfferKind = "resso.offer.kind";

        /// <summary>Where a followed link sent the device.</summary>
        public const string Destination = "resso.link.destination";

        /// <summary>true or false.</summary>
        public const string Attributed = "resso.conversion.attributed";

        /// <summary>click, claim, token, last_click or none.</summary>
        public const string AttributedBy = "resso.conversion.attributed_by";

        /// <summary>recommendations, mixes or similar.</summary>
        public const string Route = "resso.route";

        /// <summary>What started a training run: timer or request.</summary>
        public const string Trigger = "resso.training.trigger";

        /// <summary>Events in a message, on a processing span.</summary>
        public const string Events = "resso.events";
    }
}
