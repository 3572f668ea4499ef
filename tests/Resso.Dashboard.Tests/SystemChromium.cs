using Microsoft.Playwright;

namespace Resso.Dashboard.Tests;

/// <summary>
/// The system's Chromium (Debian's <c>chromium</c> package), found on the PATH or named by
/// <c>RESSO_BROWSER</c>, driven by Playwright; Playwright's own browser download is not used.
/// Shared by the browser tests and the dashboard benchmark (bench/Resso.Benchmarks).
/// </summary>
public static class SystemChromium
{
    private static readonly string[] Names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    /// <summary>How to get one, for the message when there is none.</summary>
    public const string Install = "No Chromium found: install it (Debian/Ubuntu: apt-get install chromium) or set RESSO_BROWSER to its executable.";

    /// <summary>The browser's executable, or null when none is installed.</summary>
    public static string? Executable()
    {
        if (Environment.GetEnvironmentVariable("RESSO_BROWSER") is { Length: > 0 } named)
        {
            return File.Exists(named) ? named : throw new FileNotFoundException($"RESSO_BROWSER names '{named}', which does not exist.");
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return Names
            .SelectMany(name => path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Launches <paramref name="executable"/> headless through Playwright.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync(string executable)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Tests run as root in CI containers, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        return (playwright, browser);
    }
}
