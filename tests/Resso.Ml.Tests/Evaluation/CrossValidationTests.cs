using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Training;

namespace Resso.Ml.Tests.Evaluation;

public sealed class CrossValidationTests
{
    private static InteractionData Data()
    {
        var builder = new InteractionDataBuilder();
        for (var u = 0; u < 60; u++)
        {
            // Users with 1 to 60 interactions, so that some have fewer interactions than folds.
            for (var i = 0; i <= u; i++)
            {
                builder.Add($"u{u}", $"s{(u * 7 + i * 13) % 101}");
            }
        }

        return builder.Build();
    }

    private static HashSet<(int User, int Item)> Pairs(InteractionData data)
    {
        var pairs = new HashSet<(int, int)>();
        for (var k = 0; k < data.Count; k++)
        {
            pairs.Add((data.UserIndices[k], data.ItemIndices[k]));
        }

        return pairs;
    }

    [Fact]
    public void AssignFolds_SameSeed_GivesSameAssignment()
    {
        var data = Data();

        var first = CrossValidation.AssignFolds(data, 5, seed: 42);
        var second = CrossValidation.AssignFolds(data, 5, seed: 42);
        var other = CrossValidation.AssignFolds(data, 5, seed: 43);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Split_OverAllFolds_TestsEveryInteractionExactlyOnceAndTrainsOnTheRest()
    {
        var data = Data();
        const int folds = 10;
        var assignment = CrossValidation.AssignFolds(data, folds, seed: 42);
        var all = Pairs(data);
        var tested = new List<(int, int)>();

        for (var fold = 0; fold < folds; fold++)
        {
            var split = CrossValidation.Split(data, assignment, fold);
            var train = Pairs(split.Train);
            var test = Pairs(split.Test);
            Assert.Empty(train.Intersect(test));
            Assert.Equal(all, train.Union(test).ToHashSet());
            Assert.Same(data.Items, split.Train.Items);
            Assert.Same(data.Users, split.Test.Users);
            tested.AddRange(test);
        }

        Assert.Equal(data.Count, tested.Count);
        Assert.Equal(all, tested.ToHashSet());
    }

    [Fact]
    public void AssignFolds_EachUser_FoldSizesDifferByAtMostOne()
    {
        var data = Data();
        const int folds = 7;

        var assignment = CrossValidation.AssignFolds(data, folds, seed: 3);

        var perUserFold = new int[data.UserCount, folds];
        for (var k = 0; k < data.Count; k++)
        {
            perUserFold[data.UserIndices[k], assignment[k]]++;
        }

        for (var u = 0; u < data.UserCount; u++)
        {
            var sizes = Enumerable.Range(0, folds).Select(f => perUserFold[u, f]).ToArray();
            Assert.Equal(data.CountOf(u), sizes.Sum());
            Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);
        }
    }

    [Fact]
    public void AssignFolds_UsersWithFewerInteractionsThanFolds_AreSpreadOverFolds()
    {
        var data = Data();
        const int folds = 10;

        var assignment = CrossValidation.AssignFolds(data, folds, seed: 42);

        // The first interaction of the 9 users with fewer than 10 does not always land in fold 0.
        var lonely = Enumerable.Range(0, data.Count).Where(k => data.CountOf(data.UserIndices[k]) < folds).Select(k => assignment[k]).ToHashSet();
        Assert.True(lonely.Count > 3, $"folds used: {string.Join(",", lonely)}");
    }

    [Fact]
    public void Summarize_Values_GivesMeanAndSampleStandardDeviation()
    {
        var summary = CrossValidation.Summarize([1.0, 2.0, 3.0, 4.0]);

        Assert.Equal(2.5, summary.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3), summary.StandardDeviation, 12);
        Assert.Equal(0, CrossValidation.Summarize([0.3]).StandardDeviation);
    }

    [Fact]
    public void CrossValidate_SmallData_SummarizesEveryMethodOverFolds()
    {
        var data = SyntheticData.Clustered(users: 60, items: 40, perUser: 8);
        var options = new OfflineEvaluationOptions
        {
            Ffm = new FfmTrainingOptions { LatentDimension = 8, Epochs = 2 },
            IncludeFoldIn = false,
            IncludeAls = false,
        };

        var report = new OfflineEvaluator().CrossValidate(data, 3, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, report.FoldReports.Count);
        Assert.Equal(data.Count, report.FoldReports.Sum(f => f.TestInteractions));
        Assert.Equal(report.FoldReports[0].Results.Select(r => r.Method), report.Summary.Select(s => s.Method));
        var popularity = report.Summary[0];
        Assert.Equal(3, popularity.Folds);
        Assert.Equal(report.FoldReports.Average(f => f.Results[0].Ndcg), popularity.Ndcg.Mean, 12);
        Assert.True(popularity.Ndcg.StandardDeviation >= 0);
    }

    [Fact]
    public void CrossValidate_WithValidation_Throws()
    {
        var data = SyntheticData.Clustered(users: 10, items: 10, perUser: 3);

        Assert.Throws<ArgumentException>(() => new OfflineEvaluator().CrossValidate(data, 3, new OfflineEvaluationOptions { Validation = true }));
    }
}
