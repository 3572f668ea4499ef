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

OfflineEvaluationReport report;
try
{
    report = new OfflineEvaluator(time).Evaluate(data, arguments.Options, status, epochs, cancellation.Token);
}
catch (OperationCanceledException)
{
    await Console.Error.WriteLineAsync("cancelled.");
    return 130;
}

Console.WriteLine();
Console.WriteLine(MarkdownTable(report));
foreach (var note in report.Notes)
{
    Console.WriteLine(note);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total time {time.GetElapsedTime(started).TotalSeconds:F1} s"));

if (arguments.OutputPath is { } output)
{
    try
    {
        await using var stream = File.Create(output);
        await JsonSerializer.SerializeAsync(stream, report, JsonOptions(), cancellation.Token);
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
