namespace Resso.Shared.Tests;

public sealed class IdsTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-";

    [Theory]
    [InlineData("u_1")]
    [InlineData("-")]
    [InlineData(":")]
    [InlineData("_")]
    [InlineData("...")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("a..b")]
    [InlineData("k20261125a0123456789")]
    public void IsValid_IdShapes_AreAccepted(string id) => Assert.True(Ids.IsValid(id));

    [Fact]
    public void IsValid_64Characters_IsAcceptedAnd65AreNot()
    {
        Assert.True(Ids.IsValid(new string('z', Ids.MaxLength)));
        Assert.False(Ids.IsValid(new string('z', Ids.MaxLength + 1)));
        Assert.False(Ids.IsValid(new string('z', 33), maxLength: 32));
    }

    [Theory]
    [InlineData("u_1\n")]       // $ in a .NET regex matches before a final \n: the old rule let this through
    [InlineData("\nu_1")]
    [InlineData("u_1\r\n")]
    [InlineData("u_1\r")]
    [InlineData("u_1\t")]
    [InlineData("u_1 ")]
    [InlineData(" u_1")]
    [InlineData("u/1")]
    [InlineData("u_1#")]
    [InlineData("u_1?")]
    [InlineData("u|1")]
    [InlineData("u_1\0")]
    [InlineData("u_\u0661")]    // an Arabic-Indic digit: \d would take it
    [InlineData("\u212Au_1")]   // the Kelvin sign: a case-insensitive [a-z] would take it
    [InlineData("u_é")]
    [InlineData(".")]           // dot segments: URL normalisation drops them from a path
    [InlineData("..")]
    [InlineData("")]
    [InlineData(null)]
    public void IsValid_RefusedShapes_AreRefused(string? id) => Assert.False(Ids.IsValid(id));

    [Fact]
    public void IsValid_EveryUtf16CodeUnit_IsAcceptedInsideAnIdOnlyWhenInTheAlphabet()
    {
        for (var c = char.MinValue; ; c++)
        {
            var expected = Alphabet.Contains(c, StringComparison.Ordinal);
            Assert.True(expected == Ids.IsValid($"a{c}"), $"U+{(int)c:X4} at the end");
            Assert.True(expected == Ids.IsValid($"{c}a"), $"U+{(int)c:X4} at the start");
            if (c == char.MaxValue)
            {
                break;
            }
        }
    }

    [Fact]
    public void RuleFor_AnotherLength_SaysThatLength()
    {
        Assert.Equal("must be 1–32 characters of A–Z, a–z, 0–9, '_', '.', ':' or '-', and not '.' or '..'", Ids.RuleFor(32));
        Assert.Equal(Ids.Rule, Ids.RuleFor(Ids.MaxLength));
    }
}
