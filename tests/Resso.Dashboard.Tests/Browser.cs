namespace Resso.Dashboard.Tests;

/// <summary>
/// Without a Chromium (<see cref="SystemChromium"/>), the browser tests are skipped with the way to
/// install one, unless <c>RESSO_REQUIRE_BROWSER=1</c> (set by CI) makes that a failure.
/// </summary>
public static class Browser
{
    /// <summary>Skips the calling test when no browser is installed and none is required.</summary>
    public static void SkipUnlessInstalled(string? executable)
    {
        if (executable is not null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("RESSO_REQUIRE_BROWSER") == "1")
        {
            Assert.Fail(SystemChromium.Install);
        }

        Assert.Skip(SystemChromium.Install);
    }
}
