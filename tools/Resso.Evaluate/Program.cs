using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Resso.Evaluate;
using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Training;

EvaluateArguments arguments;
try
{
    arguments = EvaluateArguments.Parse(args);
}
catch (ArgumentException exception)
{
    await Console.Error.WriteLineAsync($"error: {exception.Message}");
    await Console.Error.WriteLineAsync("Run with --help for usage.");
    return 2;
}

if (arguments.Help)
{
    Console.WriteLine(EvaluateArguments.Usage);
    return 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var time = TimeProvider.System;
var started = time.GetTimestamp();
InteractionData data;
string source;
try
{
    if (arguments.HetRecFolder is { } folder)
    {
        var hetrec = await HetRecLastFm.LoadAsync(folder, readArtistNames: false, cancellation.Token);
        data = hetrec.Interactions;
        source = $"HetRec Last.fm 2K ({folder})";
    }
    else
    {
        data = await InteractionFileReader.ReadAsync(arguments.File!, cancellationToken: cancellation.Token);
        source = arguments.File!;
    }
}
catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
{
    await Console.Error.WriteLineAsync($"error: cannot read the data: {exception.Message}");
    return 1;
}

if (data.Count == 0)
{
    await Console.Error.WriteLineAsync("error: the data holds no interaction.");
    return 1;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"data: {source}: {data.UserCount} users, {data.ItemCount} items, {data.Count} interactions (read in {time.GetElapsedTime(started).TotalSeconds:F1} s)"));

var status = new SyncProgress<string>(line => Console.WriteLine(line));
var epochs = new SyncProgress<TrainingProgress>(p =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  FFM epoch {p.Epoch}/{p.TotalEpochs}  {p.Elapsed.TotalSeconds:F1} s")));

object report;
try
{
    var evaluator = new OfflineEvaluator(time);
    if (arguments.Folds is { } folds)
    {
        var crossValidation = evaluator.CrossValidate(data, folds, arguments.Options, status, epochs, cancellation.Token);
        Console.WriteLine();
        Console.WriteLine(CrossValidationTable(crossValidation));
        foreach (var note in crossValidation.FoldReports[0].Notes)
        {
            Console.WriteLine(note);
        }

        report = crossValidation;
    }
    else
    {
        var single = evaluator.Evaluate(data, arguments.Options, status, epochs, cancellation.Token);
        Console.WriteLine();
        Console.WriteLine(MarkdownTable(single));
        foreach (var note in single.Notes)
        {
            Console.WriteLine(note);
        }

        report = single;
    }
}
catch (OperationCanceledException)
{
    await Console.Error.WriteLineAsync("cancelled.");
    return 130;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total time {time.GetElapsedTime(started).TotalSeconds:F1} s"));

if (arguments.OutputPath is { } output)
{
    try
    {
        await using var stream = File.Create(output);
        await JsonSerializer.SerializeAsync(stream, report, report.GetType(), JsonOptions(), cancellation.Token);
        Console.WriteLine($"report written to {output}");
    }
    catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
    {
        await Console.Error.WriteLineAsync($"error: cannot write {output}: {exception.Message}");
        return 1;
    }
}

return 0;

static string MarkdownTable(OfflineEvaluationReport report)
{
    var k = report.Options.K;
    var text = new StringBuilder();
    var invariant = CultureInfo.InvariantCulture;
    text.AppendLine(invariant, $"{(report.Options.Validation ? "validation" : "test")} split, seed {report.Options.Seed}, {report.Results.FirstOrDefault()?.Users ?? 0} users, K = {k}");
    text.AppendLine();
    text.AppendLine(invariant, $"| method | NDCG@{k} | P@{k} | R@{k} | MAP@{k} | coverage@{k} | train | eval |");
    text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
    foreach (var r in report.Results)
    {
        text.AppendLine(invariant,
            $"| {r.Method} | {r.Ndcg:F4} | {r.Precision:F4} | {r.Recall:F4} | {r.Map:F4} | {r.Coverage:F4} | {Seconds(r.TrainTime)} | {Seconds(r.EvaluationTime)} |");
    }

    return text.ToString();
}

static string CrossValidationTable(CrossValidationReport report)
{
    var k = report.Options.K;
    var text = new StringBuilder();
    var invariant = CultureInfo.InvariantCulture;
    var users = report.FoldReports.Select(f => f.Results.FirstOrDefault()?.Users ?? 0).ToArray();
    text.AppendLine(invariant, $"{report.Folds}-fold cross-validation, seed {report.Options.Seed}, {users.Min()}–{users.Max()} test users per fold, K = {k}; mean ± standard deviation over folds");
    text.AppendLine();
    text.AppendLine(invariant, $"| method | NDCG@{k} | P@{k} | R@{k} | MAP@{k} | coverage@{k} | train |");
    text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
    foreach (var r in report.Summary)
    {
        text.AppendLine(invariant,
            $"| {r.Method} | {Pm(r.Ndcg)} | {Pm(r.Precision)} | {Pm(r.Recall)} | {Pm(r.Map)} | {Pm(r.Coverage)} | {r.TrainSeconds.Mean:F2} s |");
    }

    text.AppendLine();
    text.AppendLine(invariant, $"NDCG@{k} per fold:");
    foreach (var r in report.Summary)
    {
        var index = report.Summary.ToList().IndexOf(r);
        text.AppendLine(invariant, $"  {r.Method}: {string.Join(", ", report.FoldReports.Select(f => f.Results[index].Ndcg.ToString("F4", invariant)))}");
    }

    return text.ToString();

    static string Pm(MetricSummary m) => string.Create(CultureInfo.InvariantCulture, $"{m.Mean:F4} ± {m.StandardDeviation:F4}");
}

static string Seconds(TimeSpan span) =>
    span.TotalSeconds < 0.01 ? "< 0.01 s" : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:F2} s");

static JsonSerializerOptions JsonOptions() => new()
{
    WriteIndented = true,
    PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    Converters = { new JsonStringEnumConverter() },
};

/// <summary>Reports on the caller's thread, so that progress lines stay in order (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
