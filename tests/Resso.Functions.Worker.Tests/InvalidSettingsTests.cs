using System.Collections.Concurrent;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Resso.Functions.Worker.Tests.Harness;
using Resso.Shared.Configuration;

namespace Resso.Functions.Worker.Tests;

/// <summary>
/// The worker refuses bad settings as the self-host does: every one in one run, one line each,
/// on standard error and through its logging, and exit code 2.
/// </summary>
public sealed class InvalidSettingsTests
{
    private static readonly (string Key, string Value)[] TwoBadSettings =
    [
        ("Resso:Links:Keys:dev", "not base64!"),
        ("Resso:Ingestion:MaxEventsPerRequest", "0"),
    ];

    [Fact]
    public void Configure_TwoBadSettings_ReportsBothNamingTheirAppSettings()
    {
        var ex = Assert.Throws<InvalidSettingsException>(() => RessoWorker.Configure(Builder(TwoBadSettings)));

        Assert.Equal(["Resso__Ingestion__MaxEventsPerRequest", "Resso__Links__Keys__dev"], ex.Problems.Select(p => p.Setting).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Run_TwoBadSettings_WritesOneLineEachLogsThemAndReturns2()
    {
        var builder = Builder(TwoBadSettings);
        var logged = new CapturingLoggerProvider();
        builder.Logging.AddProvider(logged);
        using var error = new StringWriter();

        var exitCode = RessoWorker.Run(builder, error);

        Assert.Equal(2, exitCode);
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal("Resso Functions app cannot start: 2 settings are invalid:", lines[0]);
        Assert.Equal(2, lines.Count - 1);
        Assert.Contains(lines, l => l.StartsWith("  Resso__Links__Keys__dev: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  Resso__Ingestion__MaxEventsPerRequest: must be between 1 and 5000", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);

        var critical = logged.Entries.Where(e => e.Level == LogLevel.Critical).ToList();
        Assert.Equal(2, critical.Count);
        Assert.All(critical, e => Assert.Null(e.Exception));
        Assert.Contains(critical, e => e.Message.Contains("Resso__Links__Keys__dev", StringComparison.Ordinal));
        Assert.Contains(critical, e => e.Message.Contains("Resso__Ingestion__MaxEventsPerRequest", StringComparison.Ordinal));
    }

    /// <summary>The worker's builder with the sample's settings (in Development, as the harness runs it) under <paramref name="settings"/>.</summary>
    private static FunctionsApplicationBuilder Builder(params (string Key, string Value)[] settings)
    {
        var values = WorkerHost.SampleSettings(); // also sets the worker's environment to Development, as the Core Tools do
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(values);
        return builder;
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception), exception));

        public void Dispose()
        {
        }
    }
}
