using Resso.Shared.Links;

namespace Resso.Shared.Tests.Links;

public sealed class ClaimCodesTests
{
    [Fact]
    public void New_ManyCodes_AreWellFormedUnambiguousAndDistinct()
    {
        var codes = Enumerable.Range(0, 10_000).Select(_ => ClaimCodes.New()).ToList();

        Assert.All(codes, code =>
        {
            Assert.Equal(ClaimCodes.Length, code.Length);
            Assert.True(ClaimCodes.IsWellFormed(code), code);
            Assert.DoesNotContain(code, c => c is '0' or 'O' or '1' or 'I');
        });
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void New_ManyCodes_UseTheWholeAlphabet()
    {
        var seen = Enumerable.Range(0, 1_000).SelectMany(_ => ClaimCodes.New()).ToHashSet();

        Assert.Equal(ClaimCodes.Alphabet.ToHashSet(), seen);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ABCDEFGH2")]     // 9 characters
    [InlineData("ABCDEFGH234")]   // 11 characters
    [InlineData("ABCDEFGH2O")]    // letter O
    [InlineData("ABCDEFGH20")]    // digit 0
    [InlineData("ABCDEFGH2I")]    // letter I
    [InlineData("ABCDEFGH21")]    // digit 1
    [InlineData("abcdefgh23")]    // lower case
    [InlineData("ABCDEFGH2 ")]
    [InlineData("ABCDEFGH2Ä")]
    public void IsWellFormed_NotACode_IsFalse(string? code)
    {
        Assert.False(ClaimCodes.IsWellFormed(code));
    }

    [Fact]
    public void IsWellFormed_Code_IsTrue()
    {
        Assert.True(ClaimCodes.IsWellFormed("7KQ2HMZ9XP"));
    }
}
