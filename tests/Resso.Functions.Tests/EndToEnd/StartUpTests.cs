using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Resso.Functions.Tests.Reliability;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>
/// Bad configuration stops the real self-host process with one line naming the setting; good
/// Production configuration from the environment alone starts it.
/// </summary>
public sealed class StartUpTests(AzuriteFixture azurite) : IDisposable
{
    private const string ProductionKey = "a-production-key-0123456789";

    private readonly TempFolder _scriptRoot = NewScriptRoot();

    private static TempFolder NewScriptRoot()
    {
        var folder = new TempFolder();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "host.json"), Path.Combine(folder.Path, "host.json"));
        folder.Write("local.settings.json", $$"""{ "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true", "Resso__Api__Keys": "{{ProductionKey}}" } }""");
        return folder;
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

    [Fact]
    public async Task SelfHost_ProductionWithoutApiKey_ExitsNamingTheSetting()
    {
        _scriptRoot.Write("local.settings.json", """{ "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true" } }""");

        var (exitCode, stderr) = await RunSelfHostAsync(("ASPNETCORE_ENVIRONMENT", "Production"));

        AssertRefused(exitCode, stderr, "Resso__Api__Keys: is not set");
    }

    [Theory]
    [InlineData("short")]
    [InlineData("a-production-key-0123456789,fifteen-chars-x")]
    public async Task SelfHost_ProductionShortApiKey_ExitsNamingTheSetting(string keys)
    {
        var (exitCode, stderr) = await RunSelfHostAsync(("Resso__Api__Keys", keys), ("ASPNETCORE_ENVIRONMENT", "Production"));

        AssertRefused(exitCode, stderr, $"Resso__Api__Keys: key {keys.Split(',').Length} has ");
    }

    [Fact]
    public async Task SelfHost_ProductionFromEnvironmentAlone_IgnoresTheSampleSettingsAndServes()
    {
        // What a container or VM gets: the build output, whose local.settings.sample.json holds the
        // public development keys, and the operator's settings in the environment.
        using var buildOutput = new TempFolder();
        foreach (var file in new[] { "host.json", "local.settings.sample.json" })
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, file), Path.Combine(buildOutput.Path, file));
        }

        using var host = SelfHostProcess.Start(azurite.ConnectionString, AzuriteFixture.UniqueName("p"), new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["AzureWebJobsScriptRoot"] = buildOutput.Path,
            ["Resso__Api__Keys"] = ProductionKey,
            ["Resso__Links__SigningKeyId"] = "k1",
            ["Resso__Links__Keys__k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Resso__Links__LinkHost"] = "links.example.com",
            ["Resso__Training__Schedule"] = "0 0 * * * *",
            ["Resso__Catalog__RollupSchedule"] = "0 30 * * * *",
            ["Resso__Privacy__RetentionSchedule"] = "0 15 3 * * *",
        });
        using var client = new HttpClient { BaseAddress = await host.WaitForAddressAsync() };

        // Healthy once its storage is provisioned, as a readiness probe would wait for.
        var health = HttpStatusCode.ServiceUnavailable;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); health != HttpStatusCode.OK && DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            using var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
            health = response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, health);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(PutSong(ProductionKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(PutSong(SelfHostServer.TestKey))).StatusCode);

        static HttpRequestMessage PutSong(string key)
        {
            var put = new HttpRequestMessage(HttpMethod.Put, new Uri("/api/songs/s_prod", UriKind.Relative))
            {
                Content = new StringContent("""{"title":"T","artist":"A","label":"L","durationMs":1000,"regions":["ID"]}""", System.Text.Encoding.UTF8, "application/json"),
            };
            put.Headers.Add("x-functions-key", key);
            return put;
        }
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
