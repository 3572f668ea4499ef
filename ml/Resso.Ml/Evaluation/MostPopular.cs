using Resso.Ml.Data;

namespace Resso.Ml.Evaluation;

/// <summary>The popularity baseline: every user gets the items with the most training users.</summary>
public static class MostPopular
{
    /// <summary>A scorer that gives each item its number of training users.</summary>
    public static UserScorer Fit(InteractionData train)
    {
        ArgumentNullException.ThrowIfNull(train);
        var counts = train.ItemCounts.ToArray();
        var scores = Array.ConvertAll(counts, static c => (float)c);
        return (_, output) => scores.AsSpan().CopyTo(output);
    }
}
