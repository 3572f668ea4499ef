using System.Buffers;
using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Model;
using Resso.Ml.Scoring;

namespace Resso.Ml.Ranking;

/// <summary>What ranks a listener's songs in a trained pipeline.</summary>
public enum PipelineMode
{
    /// <summary>The LambdaRank ranker over every generator's candidates.</summary>
    Ranker,

    /// <summary>EASE alone.</summary>
    Ease,

    /// <summary>Implicit ALS alone.</summary>
    Als,

    /// <summary>The FFM factor model alone.</summary>
    Ffm,

    /// <summary>Most popular.</summary>
    Popularity,
}

/// <summary>
/// The two-stage recommender: candidate generators (FFM fold-in, implicit ALS fold-in, EASE item-to-item,
/// popularity) each propose their best songs for a listener; the ranker scores the union from their
/// features (<see cref="CandidateFeatures"/>). Every listener is placed from their songs alone, so new
/// listeners are ranked without a retrain. When validation found a single generator better than the
/// ranker on the data it was trained on, <see cref="Mode"/> says so and that generator ranks alone.
/// Thread-safe; immutable.
/// </summary>
public sealed class PipelineModel
{
    private readonly float[] _popularity;
    private readonly float[] _recent;
    private readonly int[] _popularOrder;

    /// <summary>Assembles a pipeline; every component is over <paramref name="items"/>' index space.</summary>
    /// <exception cref="ArgumentException">A component's songs differ from <paramref name="items"/>, or the mode's component is missing.</exception>
    public PipelineModel(IdMap items, PipelineMode mode, FactorModel ffm, FactorModel? als, ImplicitAlsOptions? alsOptions, ItemNeighbours? ease,
        float[] popularity, float[]? recentPopularity, RankerModel? ranker, int candidatesPerGenerator)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(ffm);
        ArgumentNullException.ThrowIfNull(popularity);
        ArgumentOutOfRangeException.ThrowIfLessThan(candidatesPerGenerator, 1);
        if (ffm.ItemCount != items.Count || (als is not null && als.ItemCount != items.Count) || (ease is not null && ease.ItemCount != items.Count)
            || popularity.Length != items.Count || (recentPopularity is not null && recentPopularity.Length != items.Count))
        {
            throw new ArgumentException("Every pipeline component must cover the same songs.");
        }

        if ((als is null) != (alsOptions is null))
        {
            throw new ArgumentException("ALS factors need the options they were trained with.");
        }

        CheckMode(mode, ranker, als, ease);
        (Items, Mode, Ffm, Als, AlsOptions, Ease, Ranker, CandidatesPerGenerator) = (items, mode, ffm, als, alsOptions, ease, ranker, candidatesPerGenerator);
        _popularity = popularity;
        _recent = recentPopularity ?? new float[items.Count];
        _popularOrder = [.. Enumerable.Range(0, items.Count).OrderByDescending(i => popularity[i]).ThenBy(i => i).Take(Math.Max(1_000, candidatesPerGenerator * 4))];
        FfmFoldIn = new UserFoldIn(ffm);
        AlsFoldIn = als is null ? null : new AlsFoldIn(als, alsOptions!);
    }

    // Another mode over the same parts: the fold-ins (ALS's gram) and the popular order are shared, not built again.
    private PipelineModel(PipelineModel source, PipelineMode mode, RankerModel? ranker)
    {
        CheckMode(mode, ranker, source.Als, source.Ease);
        (Items, Mode, Ffm, Als, AlsOptions, Ease, Ranker, CandidatesPerGenerator) =
            (source.Items, mode, source.Ffm, source.Als, source.AlsOptions, source.Ease, ranker, source.CandidatesPerGenerator);
        (_popularity, _recent, _popularOrder, FfmFoldIn, AlsFoldIn) = (source._popularity, source._recent, source._popularOrder, source.FfmFoldIn, source.AlsFoldIn);
    }

    /// <summary>The songs.</summary>
    public IdMap Items { get; }

    /// <summary>What ranks.</summary>
    public PipelineMode Mode { get; }

    /// <summary>The FFM factor model (also behind similar songs and mixes).</summary>
    public FactorModel Ffm { get; }

    /// <summary>Fold-in against <see cref="Ffm"/>.</summary>
    public UserFoldIn FfmFoldIn { get; }

    /// <summary>Implicit-ALS song factors, when trained.</summary>
    public FactorModel? Als { get; }

    /// <summary>What ALS was trained with.</summary>
    public ImplicitAlsOptions? AlsOptions { get; }

    /// <summary>ALS fold-in, when trained.</summary>
    public AlsFoldIn? AlsFoldIn { get; }

    /// <summary>EASE item-to-item weights, when the data allowed them.</summary>
    public ItemNeighbours? Ease { get; }

    /// <summary>The ranker, when trained.</summary>
    public RankerModel? Ranker { get; }

    /// <summary>Songs each generator proposes.</summary>
    public int CandidatesPerGenerator { get; }

    /// <summary>log(1 + listeners) per song.</summary>
    public ReadOnlySpan<float> Popularity => _popularity;

    /// <summary>log(1 + recent listeners) per song.</summary>
    public ReadOnlySpan<float> RecentPopularity => _recent;

    /// <summary>
    /// The share of the training listeners who used song <paramref name="item"/> (index into <see cref="Items"/>): its listeners,
    /// recovered from <see cref="Popularity"/>, over the FFM's users (the listeners of the data it was fitted on); in [1/N, 1]
    /// for a song with listeners, 0 for one without.
    /// </summary>
    /// <remarks>
    /// The pipeline keeps no count of its training listeners; the FFM's user table is that count (every training listener
    /// has a vector), so a user erased from the factors afterwards shifts every reach by at most a factor N / (N − 1).
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="item"/> is not a song of the model.</exception>
    public double Reach(int item)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(item);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(item, Items.Count);

        // Popularity is stored as log(1 + listeners) in single precision: rounding recovers the count exactly.
        var listeners = Math.Round(Math.Exp(_popularity[item]) - 1);
        return listeners <= 0 ? 0 : Math.Min(1, listeners / Math.Max(1, Ffm.UserCount));
    }

    /// <summary>
    /// <see cref="Reach"/> by song id, for <see cref="Mixes.MixRequest.SongReach"/>: 0 (unknown) for a song the model does not have.
    /// </summary>
    public Func<string, double> SongReach() => song => song is not null && Items.TryGetIndex(song, out var item) ? Reach(item) : 0;

    /// <summary>The same components ranked by another mode (validation compares modes on one trained set).</summary>
    public PipelineModel WithMode(PipelineMode mode, RankerModel? ranker = null) => new(this, mode, ranker ?? Ranker);

    private static void CheckMode(PipelineMode mode, RankerModel? ranker, FactorModel? als, ItemNeighbours? ease)
    {
        var missing = mode switch
        {
            PipelineMode.Ranker when ranker is null => "the ranker",
            PipelineMode.Als when als is null => "ALS",
            PipelineMode.Ease when ease is null => "EASE",
            _ => null,
        };
        if (missing is not null)
        {
            throw new ArgumentException($"Mode {mode} needs {missing}.");
        }
    }

    /// <summary>The best <paramref name="count"/> songs for a listener with these songs (indices into <see cref="Items"/>) and weights.</summary>
    /// <param name="items">The listener's songs.</param>
    /// <param name="weights">Their weights (empty: 1 each).</param>
    /// <param name="count">How many to return.</param>
    /// <param name="exclude">Songs never returned (typically the listener's own).</param>
    /// <param name="allowed">When set, only these songs are returned.</param>
    /// <param name="ffmVector">The listener's FFM fold-in vector when already known (empty: folded in here).</param>
    public ScoredItem[] Recommend(ReadOnlySpan<int> items, ReadOnlySpan<float> weights, int count, ItemBitSet? exclude = null, ItemBitSet? allowed = null,
        ReadOnlySpan<float> ffmVector = default) =>
        Recommend(items, weights, count, exclude, allowed, ffmVector, rows: null, label: null);

    /// <summary>Candidates and their features for a listener, as the ranker sees them (ranker training).</summary>
    internal void CollectRows(ReadOnlySpan<int> items, ReadOnlySpan<float> weights, ItemBitSet exclude, Func<int, bool> label, uint group, List<RankerRow> rows) =>
        Recommend(items, weights, CandidatesPerGenerator, exclude, allowed: null, ffmVector: default, rows, label, group);

    private ScoredItem[] Recommend(ReadOnlySpan<int> items, ReadOnlySpan<float> weights, int count, ItemBitSet? exclude, ItemBitSet? allowed,
        ReadOnlySpan<float> ffmVector, List<RankerRow>? rows, Func<int, bool>? label, uint group = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var collecting = rows is not null;
        var mode = collecting ? PipelineMode.Ranker : Mode;
        var n = CandidatesPerGenerator;
        // Each generator runs only when the mode needs it; the ranker needs them all.
        if (mode == PipelineMode.Popularity)
        {
            return Popular(count, exclude, allowed);
        }

        if (mode == PipelineMode.Als)
        {
            return TopKScorer.Recommend(Als!, AlsFoldIn!.FoldIn(items, weights), count, exclude, allowed);
        }

        float[] FfmVector(ReadOnlySpan<int> items, ReadOnlySpan<float> weights, ReadOnlySpan<float> known) =>
            known.IsEmpty ? FfmFoldIn.FoldIn(items, weights).Vector : known.ToArray();

        if (mode == PipelineMode.Ffm)
        {
            return TopKScorer.Recommend(Ffm, FfmVector(items, weights, ffmVector), count, exclude, allowed);
        }

        // EASE scores need a slot per song: rented only when the model has EASE.
        var scratch = Ease is null ? null : ArrayPool<float>.Shared.Rent(Items.Count);
        try
        {
            ScoredItem[] easeTop = [];
            if (scratch is not null)
            {
                var easeScores = scratch.AsSpan(0, Items.Count);
                easeScores.Clear();
                Ease!.Accumulate(items, easeScores);
                easeTop = TopKSelector.Select(easeScores, mode == PipelineMode.Ease ? count : n, exclude, allowed, item => scratch[item] > 0);
            }

            if (mode == PipelineMode.Ease)
            {
                // A listener whose songs have no EASE neighbours still gets a full list: the most popular songs after them.
                return easeTop.Length == count ? easeTop : [.. easeTop, .. Popular(count, exclude, allowed).Where(p => !easeTop.Any(e => e.Item == p.Item))
                    .Take(count - easeTop.Length).Select(p => p with { Score = 0 })];
            }

            var ffm = FfmVector(items, weights, ffmVector);
            var als = AlsFoldIn?.FoldIn(items, weights);
            var ffmTop = TopKScorer.Recommend(Ffm, ffm, n, exclude, allowed);
            var alsTop = als is null ? [] : TopKScorer.Recommend(Als!, als, n, exclude, allowed);
            var popularTop = Popular(n, exclude, allowed);

            // The union, each candidate once, with its rank in every list that has it.
            var index = new Dictionary<int, int>(n * 4);
            var candidates = new List<int>(n * 4);
            var ranks = new List<(int Ffm, int Als, int Ease)>(n * 4);
            void Add(ScoredItem[] list, int which)
            {
                for (var r = 0; r < list.Length; r++)
                {
                    if (!index.TryGetValue(list[r].Item, out var slot))
                    {
                        slot = candidates.Count;
                        index[list[r].Item] = slot;
                        candidates.Add(list[r].Item);
                        ranks.Add((n + 1, n + 1, n + 1));
                    }

                    ranks[slot] = which switch
                    {
                        0 => ranks[slot] with { Ffm = r + 1 },
                        1 => ranks[slot] with { Als = r + 1 },
                        2 => ranks[slot] with { Ease = r + 1 },
                        _ => ranks[slot],
                    };
                }
            }

            Add(ffmTop, 0);
            Add(alsTop, 1);
            Add(easeTop, 2);
            Add(popularTop, 3);

            var ffmBest = ffmTop.Length > 0 ? ffmTop[0].Score : 0f;
            var alsBest = alsTop.Length > 0 ? alsTop[0].Score : 0f;
            var easeBest = easeTop.Length > 0 ? easeTop[0].Score : 0f;
            var history = MathF.Log(1 + items.Length);
            Span<float> features = stackalloc float[CandidateFeatures.Count];
            var selector = new TopKSelector(Math.Min(count, Math.Max(1, candidates.Count)));
            for (var c = 0; c < candidates.Count; c++)
            {
                var item = candidates[c];
                var ffmScore = System.Numerics.Tensors.TensorPrimitives.Dot(ffm, Ffm.ItemVector(item)) + Ffm.ItemBiases[item];
                var alsScore = als is null ? 0f : System.Numerics.Tensors.TensorPrimitives.Dot(als, Als!.ItemVector(item));
                features[CandidateFeatures.FfmScore] = ffmScore;
                features[CandidateFeatures.FfmRank] = ranks[c].Ffm;
                features[CandidateFeatures.FfmGap] = ffmScore - ffmBest;
                features[CandidateFeatures.AlsScore] = alsScore;
                features[CandidateFeatures.AlsRank] = ranks[c].Als;
                features[CandidateFeatures.AlsGap] = alsScore - alsBest;
                var easeScore = scratch is null ? 0f : scratch[item];
                features[CandidateFeatures.EaseScore] = easeScore;
                features[CandidateFeatures.EaseRank] = ranks[c].Ease;
                features[CandidateFeatures.EaseGap] = easeScore - easeBest;
                features[CandidateFeatures.Popularity] = _popularity[item];
                features[CandidateFeatures.RecentPopularity] = _recent[item];
                features[CandidateFeatures.History] = history;
                if (collecting)
                {
                    rows!.Add(new RankerRow { Label = label!(item) ? 1f : 0f, Group = group, Features = features.ToArray() });
                }
                else
                {
                    selector.Add(item, (float)Ranker!.Score(features));
                }
            }

            return collecting ? [] : selector.ToSortedArray();
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }
    }

    private ScoredItem[] Popular(int count, ItemBitSet? exclude, ItemBitSet? allowed)
    {
        var result = new List<ScoredItem>(count);
        foreach (var item in _popularOrder)
        {
            if ((exclude is null || !exclude.Contains(item)) && (allowed is null || allowed.Contains(item)))
            {
                result.Add(new ScoredItem(item, _popularity[item]));
                if (result.Count == count)
                {
                    break;
                }
            }
        }

        // The precomputed order holds only the most popular songs: when the filters leave fewer than count of them
        // (an allowed set of less popular songs, or a long list), every song is ranked, in the same order.
        return result.Count < count && _popularOrder.Length < _popularity.Length
            ? TopKSelector.Select(_popularity, count, exclude, allowed)
            : [.. result];
    }

    /// <summary>A scorer for the offline evaluator: each user's songs in <paramref name="train"/> rank the rest.</summary>
    /// <remarks>
    /// <paramref name="train"/>'s songs must start with the pipeline's (the scores have a slot for every song it returns);
    /// songs appended after it was trained are ignored in a listener's history and never returned.
    /// </remarks>
    /// <exception cref="ArgumentException">The pipeline has songs that <paramref name="train"/> lacks or orders differently.</exception>
    public UserScorer Scorer(InteractionData train, int k)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (!ReferenceEquals(train.Items, Items) && !Items.IsPrefixOf(train.Items))
        {
            throw new ArgumentException("The pipeline must be evaluated over data whose songs start with the songs it was trained on.", nameof(train));
        }

        return (user, scores) =>
        {
            scores.Fill(float.NegativeInfinity);
            var items = train.ItemsOf(user);
            if (items.IsEmpty)
            {
                return;
            }

            // Songs appended after training are left out of the history (the generators do not know them).
            var weights = train.WeightsOf(user);
            var known = 0;
            while (known < items.Length && items[known] < Items.Count)
            {
                known++;
            }

            var exclude = new ItemBitSet(Items.Count, items[..known]);
            var top = Recommend(items[..known], weights[..known], k, exclude);
            for (var r = 0; r < top.Length; r++)
            {
                scores[top[r].Item] = top.Length - r;
            }
        };
    }
}
