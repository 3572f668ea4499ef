using System.Diagnostics;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>Bad configuration stops the real self-host process with one line naming the setting.</summary>
public sealed class StartUpTests : IDisposable
{
    private readonly TempFolder _scriptRoot = new();

    public StartUpTests()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "host.json"), Path.Combine(_scriptRoot.Path, "host.json"));
        _scriptRoot.Write("local.settings.json", """{ "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true" } }""");
    }

    public void Dispose() => _scriptRoot.Dispose();

    [Fact]
    public async Task SelfHost_MalformedConnectionString_ExitsNamingTheSetting()
    {
        var (exitCode, stderr) = await RunSelfHostAsync(("AzureWebJobsStorage", "AccountName=only"));

        AssertRefused(exitCode, stderr, "AzureWebJobsStorage: is not a valid storage connection string");
    }

    [Fact]
    public async Task SelfHost_ConnectionStringMissing_ExitsNamingTheSetting()
    {
        _scriptRoot.Write("local.settings.json", """{ "Values": { } }""");

        var (exitCode, stderr) = await RunSelfHostAsync();

        AssertRefused(exitCode, stderr, "AzureWebJobsStorage: is not set");
    }

    [Fact]
    public async Task SelfHost_HostJsonUnparseable_ExitsNamingTheFile()
    {
        _scriptRoot.Write("host.json", """{ "version": "2.0", """);

        var (exitCode, stderr) = await RunSelfHostAsync();

        AssertRefused(exitCode, stderr, "host.json: is not valid JSON");
    }

    [Fact]
    public async Task SelfHost_InvalidStoragePrefix_ExitsNamingTheSetting()
    {
        var (exitCode, stderr) = await RunSelfHostAsync(("Resso__Storage__Prefix", "Not-Valid"));

        AssertRefused(exitCode, stderr, "Resso__Storage__Prefix must be");
    }

    [Fact]
    public async Task SelfHost_DevelopmentKeyOutsideDevelopment_ExitsNamingTheSetting()
    {
        var (exitCode, stderr) = await RunSelfHostAsync(("Resso__Api__Keys", "prod-key-1,local-dev-key"), ("ASPNETCORE_ENVIRONMENT", "Production"));

        AssertRefused(exitCode, stderr, "Resso__Api__Keys: holds the sample's development key");
    }

    private static void AssertRefused(int exitCode, string stderr, string expected)
    {
        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Resso self-host cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Stderr)> RunSelfHostAsync(params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Resso.Functions.SelfHost.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["AzureWebJobsScriptRoot"] = _scriptRoot.Path;
        info.Environment.Remove("AzureWebJobsStorage");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the self-host kept running despite its bad configuration");
        }

        return (process.ExitCode, await stderr);
    }
}
