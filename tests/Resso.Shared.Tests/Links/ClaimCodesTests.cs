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

    [Theory]
    [InlineData("7KQ2HMZ9XP")]
    [InlineData("7kq2hmz9xp")]
    [InlineData("7Kq2HmZ9xP")]
    [InlineData("7KQ2H-MZ9XP")]
    [InlineData("7kq2 hmz9 xp")]
    [InlineData("  7kq2hmz9xp\n")]
    [InlineData("7-K-Q-2-H-M-Z-9-X-P")]
    public void Normalize_CodeAsAPersonTypesIt_IsTheCodeAsIssued(string typed)
    {
        Assert.Equal("7KQ2HMZ9XP", ClaimCodes.Normalize(typed));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("7KQ2HMZ9X")]        // 9 characters
    [InlineData("7KQ2HMZ9XPA")]      // 11 characters
    [InlineData("7KQ2HMZ9Xo")]       // o is not in the alphabet in either case
    [InlineData("7KQ2HMZ9Xi")]
    [InlineData("7KQ2HMZ9X0")]
    [InlineData("7KQ2H_MZ9XP")]      // only spaces and hyphens separate
    [InlineData("7KQ2H\nMZ9XP")]     // white space inside is not a separator
    [InlineData("7KQ2HMZ9Xſ")]       // ſ upper-cases to S in the invariant culture; it is not a letter of a code
    [InlineData("7KQ2HMZ9Xı")]       // nor ı to I
    [InlineData("７KQ2HMZ9XP")]      // a full-width digit
    public void Normalize_NotACodeEvenSo_IsNull(string? typed)
    {
        Assert.Null(ClaimCodes.Normalize(typed));
    }

    [Fact]
    public void Normalize_EveryIssuedCodeInLowerCase_IsItself()
    {
        for (var i = 0; i < 1_000; i++)
        {
            var code = ClaimCodes.New();
            Assert.Equal(code, ClaimCodes.Normalize(code.ToLowerInvariant()));
            Assert.Equal(code, ClaimCodes.Normalize(code));
        }
    }
}
