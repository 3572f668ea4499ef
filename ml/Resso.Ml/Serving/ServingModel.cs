using System.Collections.Concurrent;
using Resso.Ml.Model;
using Resso.Ml.Ranking;
using Resso.Ml.Scoring;
using Resso.Ml.Store;

namespace Resso.Ml.Serving;

/// <summary>
/// A published model as one instance serves it: the factors, the manifest, and which songs each
/// region may play. Immutable once built; swapped whole.
/// </summary>
public sealed class ServingModel
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _restrictions;
    private readonly ConcurrentDictionary<string, ItemBitSet> _allowed = new(StringComparer.Ordinal);

    /// <summary>Builds the serving form of a loaded model.</summary>
    /// <param name="manifest">The model's manifest.</param>
    /// <param name="factors">The model's factors.</param>
    /// <param name="regionRestrictions">Songs playable only in the listed regions (all others play everywhere).</param>
    /// <param name="loadedAt">When this instance loaded it.</param>
    /// <param name="pipeline">The two-stage ranking pipeline over <paramref name="factors"/>, when the version has one.</param>
    public ServingModel(ModelManifest manifest, FactorModel factors, IReadOnlyDictionary<string, IReadOnlyList<string>> regionRestrictions, DateTimeOffset loadedAt,
        PipelineModel? pipeline = null)
    {
        if (pipeline is not null && !ReferenceEquals(pipeline.Ffm, factors))
        {
            throw new ArgumentException("The pipeline must rank over the served factors.", nameof(pipeline));
        }

        Pipeline = pipeline;
        Manifest = manifest;
        Factors = factors;
        LoadedAt = loadedAt;
        _restrictions = regionRestrictions;
        FoldIn = new UserFoldIn(factors);
        if (QuantizedItemFactors.Applies(factors))
        {
            // Built here, off the request path, rather than by the first recommendation.
            _ = factors.QuantizedItems;
        }
    }

    /// <summary>The two-stage pipeline that ranks recommendations; null for a version without one (the factors rank alone).</summary>
    public PipelineModel? Pipeline { get; }

    /// <summary>The model's version.</summary>
    public string Version => Manifest.Version;

    /// <summary>The model's manifest.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>User and song factors.</summary>
    public FactorModel Factors { get; }

    /// <summary>When this instance started serving it.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>Fold-in against this model's song factors.</summary>
    public UserFoldIn FoldIn { get; }

    /// <summary>The songs playable in <paramref name="region"/>, or null when every song is (no song is restricted).</summary>
    public ItemBitSet? AllowedIn(string region)
    {
        if (_restrictions.Count == 0)
        {
            return null;
        }

        return _allowed.GetOrAdd(region, r =>
        {
            var allowed = new ItemBitSet(Factors.ItemCount);
            for (var item = 0; item < Factors.ItemCount; item++)
            {
                if (!_restrictions.TryGetValue(Factors.Items[item], out var regions) || regions.Contains(r, StringComparer.Ordinal))
                {
                    allowed.Add(item);
                }
            }

            return allowed;
        });
    }
}

/// <summary>The model this instance serves; replaced atomically, never half-loaded.</summary>
public sealed class ModelHolder
{
    private ServingModel? _current;

    /// <summary>The served model, or null before the first one is loaded.</summary>
    public ServingModel? Current => Volatile.Read(ref _current);

    /// <summary>Raised after a swap, with the new model (caches built on the old one drop themselves).</summary>
    public event Action<ServingModel>? Swapped;

    /// <summary>Serves <paramref name="model"/> from now on.</summary>
    public void Swap(ServingModel model)
    {
        Volatile.Write(ref _current, model);
        Swapped?.Invoke(model);
    }
}
