using Microsoft.Playwright;
using Resso.Testing;

namespace Resso.Dashboard.Tests;

/// <summary>
/// One browser tab on the dashboard, in its own context (its own sessionStorage and cookies), that
/// records every console error, uncaught error and request the page makes.
/// </summary>
public sealed class DashboardSession : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];
    private readonly List<string> _requests = [];
    private readonly Lock _gate = new();

    private DashboardSession(IBrowserContext context, IPage page, Uri root)
    {
        _context = context;
        Page = page;
        Root = root;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Add(_errors, $"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => Add(_errors, $"uncaught: {error}");
        page.Request += (_, request) => Add(_requests, request.Url);
    }

    public IPage Page { get; }

    /// <summary>The dashboard's address, e.g. <c>http://127.0.0.1:5123/dashboard/</c>.</summary>
    public Uri Root { get; }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Opens <paramref name="page"/> (<c>funnel</c>, <c>trending</c>, …), entering <paramref name="key"/> when the page asks for one.</summary>
    public static async Task<DashboardSession> OpenAsync(DashboardWorld world, string page, string? key = SelfHostServer.TestKey)
    {
        Browser.SkipUnlessInstalled(world.Executable);
        var context = await world.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        var tab = await context.NewPageAsync();
        tab.SetDefaultTimeout(30_000);
        var session = new DashboardSession(context, tab, new Uri(world.Host.BaseAddress, "/dashboard/"));
        await tab.GotoAsync(new Uri(session.Root, "#" + page).ToString());
        if (key is not null)
        {
            await session.EnterKeyAsync(key);
        }

        return session;
    }

    /// <summary>Types the key into the page's form and submits it.</summary>
    public async Task EnterKeyAsync(string key)
    {
        await Page.Locator("#key-input").FillAsync(key);
        await Page.Locator("#key-submit").ClickAsync();
    }

    /// <summary>The page's section once it says it is ready (fails with the page's error when it says error).</summary>
    public async Task<ILocator> ReadyAsync(string page)
    {
        var section = Page.Locator($"section#page-{page}");
        await Page.Locator($"section#page-{page}[data-state=ready], section#page-{page}[data-state=error]").WaitForAsync();
        if (await section.GetAttributeAsync("data-state") == "error")
        {
            Assert.Fail($"The {page} page shows an error: {await section.Locator(".error").InnerTextAsync()}");
        }

        return section;
    }

    /// <summary>Does <paramref name="action"/> and waits for it to be answered from <paramref name="path"/> (e.g. <c>/api/reports/attribution?</c>), then for the page to be ready again.</summary>
    public async Task<IResponse> ActAndWaitAsync(string page, string path, Func<Task> action)
    {
        var response = await Page.RunAndWaitForResponseAsync(action, r => new Uri(r.Url).PathAndQuery.StartsWith(path, StringComparison.Ordinal));
        await ReadyAsync(page);
        return response;
    }

    /// <summary>Fails when the page logged an error or asked another origin for anything (a download the page made itself, <c>blob:</c>, is no request).</summary>
    public void AssertClean()
    {
        Assert.Empty(Errors);
        Assert.All(
            Requests.Where(url => !url.StartsWith("blob:", StringComparison.Ordinal)),
            url => Assert.Equal(Root.GetLeftPart(UriPartial.Authority), new Uri(url).GetLeftPart(UriPartial.Authority)));
    }

    /// <summary>Saves a screenshot of the whole page when <c>RESSO_DASHBOARD_SCREENSHOTS</c> names a directory.</summary>
    public async Task ScreenshotAsync(string name)
    {
        if (Environment.GetEnvironmentVariable("RESSO_DASHBOARD_SCREENSHOTS") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"dashboard-{name}.png"), FullPage = false });
        }
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();

    private void Add(List<string> list, string item)
    {
        lock (_gate)
        {
            list.Add(item);
        }
    }
}
