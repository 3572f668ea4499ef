using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Resso.Functions.Core;

namespace Resso.Functions.Tests;

public sealed class UnhandledErrorsTests
{
    [Fact]
    public async Task WriteAsync_BeforeTheResponseStarted_Is500ProblemWithATraceIdAndNoExceptionDetail()
    {
        var context = new DefaultHttpContext { TraceIdentifier = "trace-42" };
        context.Response.Body = new MemoryStream();
        context.Response.Headers["X-Half-Written"] = "yes";

        await UnhandledErrors.WriteAsync(context);

        context.Response.Body.Position = 0;
        var problem = JsonDocument.Parse(context.Response.Body).RootElement;
        Assert.Equal(500, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal(UnhandledErrors.Type, problem.GetProperty("type").GetString());
        Assert.Equal("trace-42", problem.GetProperty("traceId").GetString());
        Assert.False(context.Response.Headers.ContainsKey("X-Half-Written"));
    }
}
