namespace Resso.Functions.Worker.Tests;

public sealed class ProjectReferenceTests
{
    [Fact]
    public void FunctionsApp_IsReferenced() => Assert.Equal("Resso.Functions", typeof(Resso.Functions.EventFunctions).Assembly.GetName().Name);
}
