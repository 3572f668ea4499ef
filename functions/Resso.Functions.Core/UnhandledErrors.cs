using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Resso.Functions.Core;

/// <summary>
/// The answer to an exception no handler caught, the same under both hosts (the self-host's
/// exception handler and the Functions worker's middleware): <c>500</c> problem+json with the
/// trace id to quote to on-call, and nothing of the exception itself.
/// </summary>
public static class UnhandledErrors
{
    /// <summary>The problem type of an unexpected error.</summary>
    public const string Type = Problems.TypePrefix + "unexpected";

    /// <summary>Writes the problem, unless the response has started (then the connection is aborted).</summary>
    public static async Task WriteAsync(HttpContext context)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        var traceId = Activity.Current?.Id ?? context.TraceIdentifier;
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        await context.Response.WriteAsJsonAsync(
            new ProblemDetails
            {
                Type = Type,
                Title = "Something went wrong on our side.",
                Status = StatusCodes.Status500InternalServerError,
                Detail = "The error has been logged. Quote the trace id if you report it.",
                Extensions = { ["traceId"] = traceId },
            },
            options: null,
            contentType: "application/problem+json",
            cancellationToken: context.RequestAborted);
    }
}
