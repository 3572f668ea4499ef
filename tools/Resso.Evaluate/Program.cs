using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Resso.Evaluate;
using Resso.Evaluate.MixSeeds;
using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Training;

if (args is [MixSeedsCommand.Name, .. var mixSeedArguments])
{
    using var mixCancellation = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        mixCancellation.Cancel();
    };

    try
    {
        return await MixSeedsCommand.RunAsync(mixSeedArguments, TimeProvider.System, mixCancellation.Token);
    }
    catch (OperationCanceledException)
    {
        await Console.Error.WriteLineAsync("cancelled.");
        return 130;
    }
}

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
        Console.WriteLine(ReportTables.CrossValidation(crossValidation));
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
        Console.WriteLine(ReportTables.Single(single));
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
