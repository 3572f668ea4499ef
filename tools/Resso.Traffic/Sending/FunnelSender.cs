using Resso.Traffic.Generation;

namespace Resso.Traffic.Sending;

/// <summary>What <see cref="FunnelSender"/> made.</summary>
/// <param name="Offers">Offers served.</param>
/// <param name="Clicks">Links followed to a store.</param>
/// <param name="Claims">Claim codes redeemed.</param>
/// <param name="Conversions">Conversions recorded.</param>
/// <param name="Trials">Of those, free trials.</param>
public sealed record FunnelResult(int Offers, int Clicks, int Claims, int Conversions, int Trials);

/// <summary>
/// Makes a <see cref="FunnelPlan"/> happen over HTTP as the apps would: the short-video app's backend
/// asks for each offer; a phone without the app follows the clicked ones' links and the store hands it
/// the claim code; the installed app redeems it; billing reports the subscription with the code. Each
/// stage waits for the one before, <paramref name="concurrency"/> requests at a time.
/// </summary>
/// <param name="api">The service.</param>
/// <param name="phone">A client for the phones: it must neither follow redirects nor keep cookies.</param>
/// <param name="traffic">The world and run the plan was drawn for (conversion ids).</param>
/// <param name="time">The clock conversions are dated by.</param>
/// <param name="concurrency">Requests in flight.</param>
public sealed class FunnelSender(ServiceApi api, HttpClient phone, TrafficOptions traffic, TimeProvider time, int concurrency)
{
    /// <summary>Runs <paramref name="plan"/>; the first request that fails stops it.</summary>
    /// <exception cref="TrafficAbortedException">A request failed.</exception>
    public async Task<FunnelResult> SendAsync(IReadOnlyList<PlannedOffer> plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        var offers = new ServedOffer[plan.Count];
        await Parallel.ForEachAsync(plan, parallel, async (p, ct) =>
            offers[p.Index] = await api.GetOfferAsync(p.SongId, p.Viewer.Id, p.VideoId, p.Viewer.Region, p.Platform, ct));

        var codes = new string?[plan.Count];
        var clicked = plan.Where(p => p.Clicks).ToList();
        await Parallel.ForEachAsync(clicked, parallel, async (p, ct) =>
            codes[p.Index] = await api.FollowLinkAsync(phone, offers[p.Index].Universal, p.UserAgent, ct));

        var claimed = plan.Where(p => p.Claims && codes[p.Index] is not null).ToList();
        await Parallel.ForEachAsync(claimed, parallel, async (p, ct) => await api.RedeemClaimAsync(codes[p.Index]!, ct));

        var converted = claimed.Where(p => p.Converts).ToList();
        await Parallel.ForEachAsync(converted, parallel, async (p, ct) => await api.ConvertAsync(ConversionOf(p, offers[p.Index], codes[p.Index]!), ct));

        return new FunnelResult(plan.Count, clicked.Count, claimed.Count, converted.Count, converted.Count(p => p.Trial));
    }

    // The offer's plan and price where it names them, else the viewer's region's; a trial costs nothing.
    private Conversion ConversionOf(PlannedOffer p, ServedOffer offer, string code)
    {
        var (amount, currency) = offer is { Price: { } price, Currency: { } offered } ? (price, offered) : FunnelPlan.PriceIn(p.Viewer.Region);
        return new Conversion(
            FunnelPlan.ConversionId(traffic, p), p.Viewer.Id, offer.Plan ?? "premium-monthly", p.Trial ? 0m : amount, currency, time.GetUtcNow(), p.Trial, code);
    }
}
