using System.Runtime.InteropServices;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Resso.Ml.Pipeline;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Ml.Serving;

/// <summary>A user's vector folded in against one model's song factors.</summary>
/// <param name="UserId">The user.</param>
/// <param name="ModelVersion">The model whose song factors it was folded against.</param>
/// <param name="Vector">The user vector.</param>
/// <param name="Bias">The user bias.</param>
/// <param name="Events">How many of the user's events it reflects.</param>
/// <param name="ComputedAt">When.</param>
public sealed record UserVector(string UserId, string ModelVersion, float[] Vector, float Bias, int Events, DateTimeOffset ComputedAt);

/// <summary>
/// Folded-in user vectors (table <c>userfactors</c>, the users' interaction partitions, row = user):
/// computed from a user's events against the served model's fixed song factors, so users the model
/// has never seen, and users with events newer than the model, get personal recommendations.
/// </summary>
public sealed class UserVectors(
    TableServiceClient tables,
    StorageNames names,
    InteractionStore interactions,
    IOptions<IngestionOptions> ingestion,
    IOptions<RecommenderOptions> options,
    TimeProvider timeProvider)
{
    private readonly TableClient _table = tables.GetTableClient(names.UserFactorsTable);

    /// <summary>The stored vector, or null.</summary>
    public async Task<UserVector?> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(userId), userId, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetBinary("Vector") is not { } bytes)
        {
            return null;
        }

        var e = row.Value;
        return new UserVector(userId, e.GetString("ModelVersion") ?? "", MemoryMarshal.Cast<byte, float>(bytes).ToArray(), (float)(e.GetDouble("Bias") ?? 0), e.GetInt32("Events") ?? 0, e.GetDateTimeOffset("ComputedAt") ?? default);
    }

    /// <summary>Folds <paramref name="events"/> of the user into <paramref name="model"/>; null when none of their songs is in the model.</summary>
    public UserVector? Compute(string userId, IReadOnlyList<SongUsedEvent> events, ServingModel model) =>
        Compute(userId, events.Count, History(events, model), model);

    /// <summary>Folds a history already weighed by <see cref="History"/> (of <paramref name="events"/> events) into <paramref name="model"/>.</summary>
    public UserVector? Compute(string userId, int events, (int[] Items, float[] Weights) history, ServingModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (history.Items.Length == 0)
        {
            return null;
        }

        var result = model.FoldIn.FoldIn(history.Items, history.Weights);
        return new UserVector(userId, model.Version, result.Vector, result.Bias, events, timeProvider.GetUtcNow());
    }

    /// <summary>The listener's songs the model knows (its indices) and their weights, as training weighs them.</summary>
    public (int[] Items, float[] Weights) History(IReadOnlyList<SongUsedEvent> events, ServingModel model)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(model);
        var weights = InteractionWeighting.Weigh(events, ingestion.Value.Weights, options.Value.RecencyHalfLifeDays, timeProvider.GetUtcNow());
        var items = new List<int>(weights.Count);
        var itemWeights = new List<float>(weights.Count);
        foreach (var ((_, songId), weight) in weights)
        {
            if (model.Factors.Items.TryGetIndex(songId, out var item))
            {
                items.Add(item);
                itemWeights.Add(weight);
            }
        }

        return ([.. items], [.. itemWeights]);
    }

    /// <summary>Reads the user's events, folds them in and stores the vector; returns it (null when nothing to fold).</summary>
    public async Task<UserVector?> RefreshAsync(string userId, ServingModel model, CancellationToken cancellationToken = default)
    {
        var events = await interactions.GetUserEventsAsync(userId, cancellationToken);
        var vector = Compute(userId, events, model);
        if (vector is not null)
        {
            await SaveAsync(vector, cancellationToken);
        }

        return vector;
    }

    /// <summary>Stores a vector.</summary>
    public Task SaveAsync(UserVector vector, CancellationToken cancellationToken = default) =>
        _table.UpsertEntityAsync(
            new TableEntity(Partition(vector.UserId), vector.UserId)
            {
                ["ModelVersion"] = vector.ModelVersion,
                ["Vector"] = MemoryMarshal.AsBytes(vector.Vector.AsSpan()).ToArray(),
                ["Bias"] = (double)vector.Bias,
                ["Events"] = vector.Events,
                ["ComputedAt"] = vector.ComputedAt,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>Deletes the user's stored vector; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string userId, CancellationToken cancellationToken = default) =>
        (await _table.DeleteEntityAsync(Partition(userId), userId, Azure.ETag.All, cancellationToken)).Status != 404;

    private string Partition(string userId) => TableKeys.UserPartition(userId, ingestion.Value.UserPartitions);
}
