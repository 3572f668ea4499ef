using Microsoft.Playwright;

namespace Resso.Dashboard.Tests;

/// <summary>
/// The Chromium the tests drive: the system's browser (Debian's <c>chromium</c> package), found on
/// the PATH or named by <c>RESSO_BROWSER</c>; Playwright's own browser download is not used. Without
/// one, the browser tests are skipped with the way to install it, unless <c>RESSO_REQUIRE_BROWSER=1</c>
/// (set by CI) makes that a failure.
/// </summary>
public static class Browser
{
    private static readonly string[] Names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

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

    /// <summary>Skips the calling test when no browser is installed and none is required.</summary>
    public static void SkipUnlessInstalled(string? executable)
    {
        if (executable is not null)
        {
            return;
        }

        const string Install = "No Chromium found for the dashboard's browser tests: install it (Debian/Ubuntu: apt-get install chromium) or set RESSO_BROWSER to its executable.";
        if (Environment.GetEnvironmentVariable("RESSO_REQUIRE_BROWSER") == "1")
        {
            Assert.Fail(Install);
        }

        Assert.Skip(Install);
    }

    /// <summary>Launches <paramref name="executable"/> headless through Playwright.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync(string executable)
    {
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
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
