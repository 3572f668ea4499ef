using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
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

    private static readonly string LinkKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly TempFolder _scriptRoot = NewScriptRoot();

    private string _stdout = "";

    private string _stderr = "";

    private static TempFolder NewScriptRoot()
    {
        var folder = new TempFolder();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "host.json"), Path.Combine(folder.Path, "host.json"));
        WriteSettings(folder);
        return folder;
    }

    /// <summary>
    /// A complete, valid local.settings.json for Production, with <paramref name="overrides"/> (null
    /// removes the setting): a test that breaks one setting sees only that one reported.
    /// </summary>
    private static void WriteSettings(TempFolder folder, params (string Name, string? Value)[] overrides)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Resso__Api__Keys"] = ProductionKey,
            ["Resso__Links__SigningKeyId"] = "k1",
            ["Resso__Links__Keys__k1"] = LinkKey,
            ["Resso__Links__LinkHost"] = "links.example.com",
            ["Resso__Training__Schedule"] = "0 0 * * * *",
            ["Resso__Catalog__RollupSchedule"] = "0 30 * * * *",
            ["Resso__Privacy__RetentionSchedule"] = "0 15 3 * * *",
        };
        foreach (var (name, value) in overrides)
        {
            values[name] = value;
        }

        folder.Write("local.settings.json", JsonSerializer.Serialize(new { Values = values.Where(v => v.Value is not null).ToDictionary() }));
    }

    public void Dispose() => _scriptRoot.Dispose();

    [Theory]
    [InlineData("AzureWebJobsStorage", "AccountName=only", "AzureWebJobsStorage: is not a valid storage connection string")] // a malformed connection string
    [InlineData("Resso__Storage__Prefix", "Not-Valid", "Resso__Storage__Prefix: must be empty or 1–12 lowercase letters")] // a storage prefix Azure would refuse
    [InlineData("Resso__Ingestion__MaxEventsPerRequest", "0", "Resso__Ingestion__MaxEventsPerRequest: must be between 1 and 5000.")] // an options value out of range (DataAnnotations)
    [InlineData("Resso__Storage__RequestTimeout", "soon", "Resso__Storage__RequestTimeout: \"soon\" is not a duration \"hh:mm:ss\".")] // a value that does not convert
    [InlineData("Resso__Links__Keys__k1", "not base64!", "Resso__Links__Keys__k1: the secret must be base64")] // a link key that is not base64
    [InlineData("Resso__Training__Schedule", "every hour", "Resso__Training__Schedule: \"every hour\" is not a six-field NCRONTAB schedule")] // a timer schedule, caught before anything starts
    public async Task SelfHost_OneSettingInvalid_ExitsNamingTheSetting(string setting, string value, string expected)
    {
        var (exitCode, stderr) = await RunSelfHostAsync((setting, value));

        AssertRefused(exitCode, stderr, expected);
    }

    [Fact]
    public async Task SelfHost_ConnectionStringMissing_ExitsNamingTheSetting()
    {
        WriteSettings(_scriptRoot, ("AzureWebJobsStorage", null));

        var (exitCode, stderr) = await RunSelfHostAsync();

        AssertRefused(exitCode, stderr, "AzureWebJobsStorage: is not set");
    }

    [Fact]
    public async Task SelfHost_HostJsonUnparseable_ExitsNamingTheFile()
    {
        _scriptRoot.Write("host.json", """{ "version": "2.0", """);

        var (exitCode, stderr) = await RunSelfHostAsync();

        AssertRefused(exitCode, stderr, "host.json: is not valid JSON at line 1, column ");
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
        WriteSettings(_scriptRoot, ("Resso__Api__Keys", null));

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

    [Fact]
    public async Task SelfHost_LocalSettingsUnparseable_ExitsNamingTheFileAndLine()
    {
        _scriptRoot.Write("local.settings.json", "{\n  \"Values\": {\n    \"AzureWebJobsStorage\": UseDevelopmentStorage=true\n  }\n}\n");

        var (exitCode, stderr) = await RunSelfHostAsync();

        AssertRefused(exitCode, stderr, "local.settings.json: is not valid JSON at line 3, column ");
    }

    [Fact]
    public async Task SelfHost_SeveralSettingsInvalid_ReportsEveryOneInOneRun()
    {
        var (exitCode, stderr) = await RunSelfHostAsync(
            ("AzureWebJobsStorage", "AccountName=only"),
            ("Resso__Storage__Prefix", "Not-Valid"),
            ("Resso__Links__Keys__k1", "c2hvcnQ="),
            ("Resso__Training__Schedule", "hourly"),
            ("Resso__Ingestion__MaxEventsPerRequest", "0"),
            ("Resso__SelfHost__MessageLease", "soon"));

        AssertQuiet(exitCode);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal("Resso self-host cannot start: 6 settings are invalid:", lines[0]);
        Assert.Equal(
            ["AzureWebJobsStorage", "Resso__Ingestion__MaxEventsPerRequest", "Resso__Links__Keys__k1", "Resso__SelfHost__MessageLease", "Resso__Storage__Prefix", "Resso__Training__Schedule"],
            lines.Skip(1).Select(l => Assert.Single(System.Text.RegularExpressions.Regex.Matches(l, "^  ([A-Za-z0-9_]+): .+$")).Groups[1].Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SelfHost_AddressInUse_ExitsWithOneLineNamingItAndTheWayOut()
    {
        using var other = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)other.LocalEndpoint).Port}";

        var (exitCode, stderr) = await RunSelfHostAsync(url);

        AssertRefused(exitCode, stderr, $"Resso self-host cannot start: {url} is already in use (another self-host or ./run.sh?). Stop it, or choose another address: ./run.sh --urls http://127.0.0.1:8080");
    }

    private void AssertRefused(int exitCode, string stderr, string expected)
    {
        AssertQuiet(exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Resso self-host cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    /// <summary>Exit code 2, and nothing on either stream of what the host writes when it fails on its own: no trace, no failed start, no failed service.</summary>
    private void AssertQuiet(int exitCode)
    {
        Assert.Equal(2, exitCode);
        foreach (var noise in (string[])["   at ", "Hosting failed to start", "BackgroundService failed", "Unhandled exception"])
        {
            Assert.DoesNotContain(noise, _stdout + _stderr, StringComparison.Ordinal);
        }
    }

    private Task<(int ExitCode, string Stderr)> RunSelfHostAsync(params (string Name, string Value)[] environment) =>
        RunSelfHostAsync("http://127.0.0.1:0", environment);

    private async Task<(int ExitCode, string Stderr)> RunSelfHostAsync(string urls, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Resso.Functions.SelfHost.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(urls);
        info.Environment["AzureWebJobsScriptRoot"] = _scriptRoot.Path;
        info.Environment.Remove("AzureWebJobsStorage");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
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

        _stdout = await stdout;
        _stderr = await stderr;
        return (process.ExitCode, _stderr);
    }
}
