using Resso.Shared.Links;

namespace Resso.Shared.Tests.Links;

public sealed class LinkUrisTests
{
    private static readonly string[] Allowed = ["apps.apple.com", "play.google.com"];

    [Fact]
    public void AppUri_OpensTheSongAtTheOffsetWithTheClick()
    {
        Assert.Equal("resso://track/s_987?t=30500&c=c_1", LinkUris.AppUri("s_987", 30_500, "c_1"));
    }

    [Theory]
    [InlineData("s/../x", 0, "c_1")]
    [InlineData("s_1", 0, "c&x=1")]
    [InlineData("s_1", -1, "c_1")]
    public void AppUri_BadInput_Throws(string songId, int startMs, string clickId)
    {
        Assert.ThrowsAny<ArgumentException>(() => LinkUris.AppUri(songId, startMs, clickId));
    }

    [Fact]
    public void UniversalLink_IsHttpsOnTheLinkHost()
    {
        Assert.Equal("https://links.resso.example/api/l/1.k.AA.BB", LinkUris.UniversalLink("links.resso.example", "1.k.AA.BB"));
        Assert.Throws<ArgumentException>(() => LinkUris.UniversalLink("evil.example/x?", "1.k.AA.BB"));
        Assert.Throws<ArgumentException>(() => LinkUris.UniversalLink("links.resso.example", "a/b"));
    }

    [Theory]
    [InlineData("https://apps.apple.com/app/resso/id1", true)]
    [InlineData("https://PLAY.google.com/store/apps/details?id=com.resso", true)]
    [InlineData("resso://track/s_1?t=0&c=c_1", true)]
    [InlineData("http://apps.apple.com/app", false)]
    [InlineData("https://apps.apple.com.evil.example/", false)]
    [InlineData("https://evil.example/apps.apple.com", false)]
    [InlineData("https://apps.apple.com@evil.example/", false)]
    [InlineData("https://user@apps.apple.com/", false)]
    [InlineData("https://apps.apple.com:8443/", false)]
    [InlineData("https:\\\\evil.example\\apps.apple.com", false)]
    [InlineData("//evil.example/", false)]
    [InlineData("/relative", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("https://apps.apple.com/\r\nSet-Cookie:x", false)]
    [InlineData("https://аpps.apple.com/", false)] // Cyrillic 'а'
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsAllowedRedirect_OnlyHttpsToAllowedHostsOrTheApp(string? destination, bool allowed)
    {
        Assert.Equal(allowed, LinkUris.IsAllowedRedirect(destination, Allowed));
    }

    [Theory]
    [InlineData("links.resso.example", true)]
    [InlineData("localhost", true)]
    [InlineData("links.resso.example:443", false)]
    [InlineData("https://links.resso.example", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsHostName_AcceptsBareDnsNames(string? host, bool expected)
    {
        Assert.Equal(expected, LinkUris.IsHostName(host));
    }
}
