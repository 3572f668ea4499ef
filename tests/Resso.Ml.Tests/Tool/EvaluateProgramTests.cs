using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Resso.Ml.Tests.Tool;

public sealed class EvaluateProgramTests
{
    /// <summary>40 users, two tastes of 12 artists each, with play counts.</summary>
    private static string PlayCounts()
    {
        var random = new Random(5);
        var text = new StringBuilder("user,item,weight\n");
        for (var u = 0; u < 40; u++)
        {
            foreach (var a in Enumerable.Range(0, 12).Where(a => a % 2 == u % 2 && random.NextDouble() < 0.7))
            {
                text.Append(CultureInfo.InvariantCulture, $"u{u},artist{a},{random.Next(1, 5000)}\n");
            }
        }

        return text.ToString();
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Resso.Evaluate.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task Main_FileOfPlayCounts_PrintsTheDifferenceColumnAndWritesComparisons()
    {
        var folder = Directory.CreateTempSubdirectory("resso-evaluate-");
        try
        {
            var input = Path.Combine(folder.FullName, "plays.csv");
            var json = Path.Combine(folder.FullName, "report.json");
            await File.WriteAllTextAsync(input, PlayCounts(), TestContext.Current.CancellationToken);

            var (exitCode, output) = await RunAsync("--file", input, "--dim", "8", "--epochs", "2", "--skip-als", "--output", json);

            Assert.True(exitCode == 0, output);
            Assert.Contains("| method | role | NDCG@10 | Δ NDCG@10 | 95 % interval |", output, StringComparison.Ordinal);
            Assert.Contains("| best baseline |", output, StringComparison.Ordinal);
            Assert.Contains("train time per stage:", output, StringComparison.Ordinal);
            Assert.Contains("training FFM", output, StringComparison.Ordinal);
            var report = await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken);
            using var document = JsonDocument.Parse(report);
            var comparisons = document.RootElement.GetProperty("comparisons");
            Assert.True(comparisons.GetArrayLength() > 0);
            Assert.True(comparisons[0].GetProperty("difference").TryGetProperty("lower", out _));
            Assert.Contains("\"role\": \"Diagnostic\"", report, StringComparison.Ordinal);
            Assert.DoesNotContain("userNdcg", report, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("userIndices", report, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Main_Folds_PrintsFoldsWon()
    {
        var folder = Directory.CreateTempSubdirectory("resso-evaluate-");
        try
        {
            var input = Path.Combine(folder.FullName, "plays.tsv");
            await File.WriteAllTextAsync(input, PlayCounts().Replace(',', '\t'), TestContext.Current.CancellationToken);

            var (exitCode, output) = await RunAsync("--file", input, "--dim", "8", "--epochs", "2", "--skip-als", "--skip-foldin", "--folds", "3");

            Assert.True(exitCode == 0, output);
            Assert.Contains("| Δ NDCG@10 | 95 % interval | folds won |", output, StringComparison.Ordinal);
            Assert.Contains("Δ NDCG@10 per fold:", output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
