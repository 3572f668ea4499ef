using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resso.Ml.Store;

/// <summary>What a model was trained from.</summary>
/// <param name="Events">Distinct events read.</param>
/// <param name="Users">Users with at least one interaction.</param>
/// <param name="Songs">Songs with at least one interaction.</param>
/// <param name="Interactions">(user, song) pairs.</param>
/// <param name="FirstEventAt">The oldest event.</param>
/// <param name="LastEventAt">The newest event.</param>
public sealed record DataWindow(long Events, int Users, int Songs, int Interactions, DateTimeOffset? FirstEventAt, DateTimeOffset? LastEventAt);

/// <summary>Offline quality on the held-out slice (full ranking minus training songs, users folded in from their training songs).</summary>
/// <param name="K">The cut-off.</param>
/// <param name="Users">Held-out users ranked.</param>
/// <param name="Ndcg">NDCG@K.</param>
/// <param name="Precision">Precision@K.</param>
/// <param name="Recall">Recall@K.</param>
/// <param name="Coverage">Catalog coverage@K.</param>
/// <param name="PopularityNdcg">NDCG@K of the most-popular baseline on the same slice.</param>
public sealed record ModelMetrics(int K, int Users, double Ndcg, double Precision, double Recall, double Coverage, double PopularityNdcg);

/// <summary>The candidate's NDCG@10 minus the current model's, user by user on the same held-out users, with a bootstrap interval.</summary>
/// <param name="Mean">The mean of the per-user differences.</param>
/// <param name="Lower">The interval's lower bound.</param>
/// <param name="Upper">The interval's upper bound.</param>
/// <param name="Pairs">Users ranked by both models.</param>
/// <param name="Confidence">The interval's confidence level (0.95).</param>
public sealed record NdcgDifference(double Mean, double Lower, double Upper, int Pairs, double Confidence);

/// <summary>Whether a candidate replaced the current model, and why.</summary>
/// <param name="Published">It became <c>current</c>.</param>
/// <param name="CandidateNdcg">The candidate's NDCG@10 on the held-out slice.</param>
/// <param name="CurrentVersion">The model it was compared with, if any.</param>
/// <param name="CurrentNdcg">That model's NDCG@10 on the same slice.</param>
/// <param name="Tolerance">
/// The practical margin: a candidate significantly worse than the current model is still published when its mean
/// NDCG@10 is lower by no more than this.
/// </param>
/// <param name="Reason">In words, with the figures.</param>
/// <param name="Difference">
/// The paired difference the decision rests on; null when there was no current model to compare with, and in
/// manifests written before it was recorded.
/// </param>
public sealed record PublishDecision(bool Published, double CandidateNdcg, string? CurrentVersion, double? CurrentNdcg, double Tolerance, string Reason,
    NdcgDifference? Difference = null);

/// <summary>The JSON manifest kept next to every model version.</summary>
/// <param name="Version">The version (sortable by time).</param>
/// <param name="CreatedAt">When training finished.</param>
/// <param name="Data">The data window.</param>
/// <param name="Parameters">Training parameters.</param>
/// <param name="WarmStarted">Trained on from the previous model's parameters.</param>
/// <param name="TrainingSeconds">Wall time of training.</param>
/// <param name="Metrics">Held-out quality.</param>
/// <param name="Decision">The publish decision.</param>
/// <param name="FactorsSha256">Checksum of the factors blob, hex.</param>
/// <param name="Trigger">What asked for the training.</param>
public sealed record ModelManifest(
    string Version,
    DateTimeOffset CreatedAt,
    DataWindow Data,
    IReadOnlyDictionary<string, string> Parameters,
    bool WarmStarted,
    double TrainingSeconds,
    ModelMetrics Metrics,
    PublishDecision Decision,
    string FactorsSha256,
    string Trigger)
{
    /// <summary>Checksum of the ranking pipeline blob (<c>pipeline.bin</c>), hex; null for a model without one (FFM alone).</summary>
    public string? PipelineSha256 { get; init; }
}

/// <summary>The <c>current</c> pointer.</summary>
/// <param name="Version">The published version.</param>
/// <param name="PublishedAt">When it was published.</param>
public sealed record CurrentPointer(string Version, DateTimeOffset PublishedAt);

/// <summary>JSON of the store's documents.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(CurrentPointer))]
public sealed partial class ModelStoreJsonContext : JsonSerializerContext;
