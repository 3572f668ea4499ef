using Microsoft.ML.Trainers.FastTree;

namespace Resso.Ml.Ranking;

/// <summary>
/// The trained LambdaRank trees, evaluated here without ML.NET on the request path: each tree walks
/// from its root (left when the feature is at most the threshold, as ML.NET's trees do) to a leaf;
/// the score is the bias plus the weighted sum of the leaves reached, over the first
/// <see cref="TreeCount"/> trees.
/// </summary>
public sealed class RankerModel
{
    private readonly int[] _nodeOffsets;
    private readonly int[] _leafOffsets;
    private readonly int[] _features;
    private readonly float[] _thresholds;
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly double[] _leaves;
    private readonly double[] _weights;

    /// <summary>Builds the model from flattened trees.</summary>
    /// <exception cref="ArgumentException">The arrays disagree, or a tree's children do not form a tree from its root.</exception>
    public RankerModel(int featureCount, double bias, double[] weights, int[] nodeOffsets, int[] leafOffsets, int[] features, float[] thresholds,
        int[] left, int[] right, double[] leaves)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(nodeOffsets);
        ArgumentNullException.ThrowIfNull(leafOffsets);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(leaves);
        var trees = weights.Length;
        if (nodeOffsets.Length != trees + 1 || leafOffsets.Length != trees + 1 || nodeOffsets[0] != 0 || leafOffsets[0] != 0 || nodeOffsets[^1] != features.Length
            || features.Length != thresholds.Length || features.Length != left.Length || features.Length != right.Length || leafOffsets[^1] != leaves.Length)
        {
            throw new ArgumentException("The ranker's tree arrays do not agree.");
        }

        for (var t = 0; t < trees; t++)
        {
            var nodes = nodeOffsets[t + 1] - nodeOffsets[t];
            var leafCount = leafOffsets[t + 1] - leafOffsets[t];
            if (nodes < 0 || leafCount != nodes + 1)
            {
                throw new ArgumentException($"Tree {t} has {nodes} nodes and {leafCount} leaves.");
            }
        }

        // The offsets now rise from 0 to the arrays' ends, so every tree's slice is inside them.
        for (var t = 0; t < trees; t++)
        {
            var nodes = nodeOffsets[t + 1] - nodeOffsets[t];
            CheckTree(t, featureCount, features.AsSpan(nodeOffsets[t], nodes), left.AsSpan(nodeOffsets[t], nodes), right.AsSpan(nodeOffsets[t], nodes));
        }

        (FeatureCount, Bias, _weights, _nodeOffsets, _leafOffsets, _features, _thresholds, _left, _right, _leaves) =
            (featureCount, bias, weights, nodeOffsets, leafOffsets, features, thresholds, left, right, leaves);
        TreeCount = trees;
    }

    /// <summary>Features per candidate.</summary>
    public int FeatureCount { get; }

    /// <summary>Added to every score.</summary>
    public double Bias { get; }

    /// <summary>Trees used when scoring (at most <see cref="TrainedTrees"/>).</summary>
    public int TreeCount { get; }

    /// <summary>Trees stored.</summary>
    public int TrainedTrees => _weights.Length;

    /// <summary>The flattened arrays, for serialization.</summary>
    internal (double[] Weights, int[] NodeOffsets, int[] LeafOffsets, int[] Features, float[] Thresholds, int[] Left, int[] Right, double[] Leaves) Arrays =>
        (_weights, _nodeOffsets, _leafOffsets, _features, _thresholds, _left, _right, _leaves);

    /// <summary>Copies ML.NET's trained ensemble.</summary>
    public static RankerModel FromEnsemble(RegressionTreeEnsemble ensemble, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        var trees = ensemble.Trees;
        var nodeOffsets = new int[trees.Count + 1];
        var leafOffsets = new int[trees.Count + 1];
        for (var t = 0; t < trees.Count; t++)
        {
            if (trees[t].CategoricalSplitFlags.Any(flag => flag))
            {
                throw new NotSupportedException("The ranker's trees use only numerical splits.");
            }

            nodeOffsets[t + 1] = nodeOffsets[t] + trees[t].NumberOfNodes;
            leafOffsets[t + 1] = leafOffsets[t] + trees[t].NumberOfLeaves;
        }

        var features = new int[nodeOffsets[^1]];
        var thresholds = new float[nodeOffsets[^1]];
        var left = new int[nodeOffsets[^1]];
        var right = new int[nodeOffsets[^1]];
        var leaves = new double[leafOffsets[^1]];
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            for (var n = 0; n < tree.NumberOfNodes; n++)
            {
                features[nodeOffsets[t] + n] = tree.NumericalSplitFeatureIndexes[n];
                thresholds[nodeOffsets[t] + n] = tree.NumericalSplitThresholds[n];
                left[nodeOffsets[t] + n] = tree.LeftChild[n];
                right[nodeOffsets[t] + n] = tree.RightChild[n];
            }

            for (var l = 0; l < tree.NumberOfLeaves; l++)
            {
                leaves[leafOffsets[t] + l] = tree.LeafValues[l];
            }
        }

        return new RankerModel(featureCount, ensemble.Bias, [.. ensemble.TreeWeights], nodeOffsets, leafOffsets, features, thresholds, left, right, leaves);
    }

    /// <summary>The same trees, scoring with only the first <paramref name="trees"/> (boosting rounds chosen on validation).</summary>
    public RankerModel Truncate(int trees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trees, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(trees, TrainedTrees);
        return new RankerModel(FeatureCount, Bias, _weights[..trees], _nodeOffsets[..(trees + 1)], _leafOffsets[..(trees + 1)],
            _features[.._nodeOffsets[trees]], _thresholds[.._nodeOffsets[trees]], _left[.._nodeOffsets[trees]], _right[.._nodeOffsets[trees]],
            _leaves[.._leafOffsets[trees]]);
    }

    /// <summary>The score of one candidate's features.</summary>
    public double Score(ReadOnlySpan<float> features)
    {
        if (features.Length < FeatureCount)
        {
            throw new ArgumentException($"The ranker needs {FeatureCount} features; got {features.Length}.", nameof(features));
        }

        var score = Bias;
        for (var t = 0; t < TreeCount; t++)
        {
            var baseNode = _nodeOffsets[t];
            if (_nodeOffsets[t + 1] == baseNode)
            {
                score += _weights[t] * _leaves[_leafOffsets[t]];
                continue;
            }

            var node = 0;
            while (node >= 0)
            {
                var n = baseNode + node;
                node = features[_features[n]] <= _thresholds[n] ? _left[n] : _right[n];
            }

            score += _weights[t] * _leaves[_leafOffsets[t] + ~node];
        }

        return score;
    }

    /// <summary>
    /// Throws unless tree <paramref name="t"/> is a binary tree rooted at node 0: every split node and every leaf reached from the
    /// root exactly once, so that a walk always ends at a leaf (a child pointing back up would make <see cref="Score"/> loop forever).
    /// </summary>
    private static void CheckTree(int t, int featureCount, ReadOnlySpan<int> features, ReadOnlySpan<int> left, ReadOnlySpan<int> right)
    {
        var nodes = features.Length;
        if (nodes == 0)
        {
            return;
        }

        var reachedNodes = new bool[nodes];
        var reachedLeaves = new bool[nodes + 1];
        var pending = new Stack<int>();
        reachedNodes[0] = true;
        pending.Push(0);
        while (pending.TryPop(out var node))
        {
            if ((uint)features[node] >= (uint)featureCount)
            {
                throw new ArgumentException($"Tree {t} node {node} splits on feature {features[node]}, outside the {featureCount} features.");
            }

            foreach (var child in (ReadOnlySpan<int>)[left[node], right[node]])
            {
                var (reached, index) = child >= 0 ? (reachedNodes, child) : (reachedLeaves, ~child);
                if (index >= reached.Length || reached[index])
                {
                    throw new ArgumentException(
                        $"Tree {t} node {node} points to {(child >= 0 ? "node" : "leaf")} {index}, which is outside the tree or already has a parent.");
                }

                reached[index] = true;
                if (child >= 0)
                {
                    pending.Push(child);
                }
            }
        }

        if (Array.IndexOf(reachedNodes, false) >= 0 || Array.IndexOf(reachedLeaves, false) >= 0)
        {
            throw new ArgumentException($"Tree {t} has a node or leaf that the root does not reach.");
        }
    }
}
