using Resso.Shared.Events;

namespace Resso.Shared.Tests.Events;

public sealed class RegionsTests
{
    private const string Required = "is required: an ISO 3166-1 alpha-2 country code in upper case, e.g. ID.";
    private const string NotACode = "must be an ISO 3166-1 alpha-2 country code in upper case, e.g. ID.";

    [Theory]
    [InlineData("ID")]
    [InlineData("US")]
    [InlineData("ZW")]
    public void Problem_AssignedCodeInUpperCase_IsNone(string region) => Assert.Null(Regions.Problem(region));

    [Theory]
    [InlineData(null, Required)]
    [InlineData("", Required)]
    [InlineData("id", "must be in upper case: 'ID'.")]
    [InlineData("Us", "must be in upper case: 'US'.")]
    [InlineData("XX", "unknown region 'XX': not an assigned ISO 3166-1 alpha-2 country code.")]
    [InlineData("UK", "unknown region 'UK': not an assigned ISO 3166-1 alpha-2 country code.")]
    [InlineData("xx", "unknown region 'xx': not an assigned ISO 3166-1 alpha-2 country code.")]
    [InlineData("IDN", NotACode)]
    [InlineData("I", NotACode)]
    [InlineData("I1", NotACode)]
    [InlineData(" ID", NotACode)]
    [InlineData("ID,US", NotACode)]
    [InlineData("ſe", NotACode)] // ſ upper-cases to S in the invariant culture: not a code for all that
    [InlineData("ıd", NotACode)]
    public void Problem_NotAnAssignedUpperCaseCode_SaysWhatIsWrong(string? region, string expected) =>
        Assert.Equal(expected, Regions.Problem(region));

    [Fact]
    public void Problem_EveryTwoLetterValue_IsNoneExactlyWhenValid()
    {
        for (var a = 'A'; a <= 'z'; a++)
        {
            for (var b = 'A'; b <= 'z'; b++)
            {
                var region = new string([a, b]);
                Assert.Equal(Regions.IsValid(region), Regions.Problem(region) is null);
            }
        }
    }
}
