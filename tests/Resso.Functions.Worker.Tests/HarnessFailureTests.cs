using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Resso.Functions.Worker.Tests.Harness;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests;

/// <summary>
/// The harness can fail: a composition broken on purpose, one step at a time, makes the checks
/// the other tests rely on report it.
/// </summary>
public sealed class HarnessFailureTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task RegistrationMissingOnTheWorker_StartFailsNamingIt()
    {
        // In Development the worker's container validates its registrations when it is built.
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => WorkerHost.StartAsync(azurite.ConnectionString, alter: b => b.Services.RemoveAll<SongCatalog>()));
        Assert.Contains(nameof(SongCatalog), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistrationOnlyAFunctionNeeds_Broken_FunctionAnswersUnlikeTheSelfHost()
    {
        await using var self = await SelfHostServer.StartAsync(azurite.ConnectionString);
        using var side = new SelfHostSide(self);
        var expected = await side.SendAsync(Requests.Get("/api/reports/attribution?groupBy=song", SelfHostServer.TestKey));
        await using var worker = await WorkerHost.StartAsync(
            azurite.ConnectionString,
            alter: b => b.Services.Replace(ServiceDescriptor.Singleton<AttributionReporter>(_ => throw new InvalidOperationException("not registered on the worker"))));

        var actual = await worker.SendAsync(Requests.Get("/api/reports/attribution?groupBy=song", SelfHostServer.TestKey), self.BaseAddress);

        Assert.Equal(200, expected.Status);
        Assert.Equal(500, actual.Status); // the worker's ExceptionMiddleware answers the activation failure
        Assert.NotEmpty(AnswerComparison.Differences(expected, actual));
        Assert.DoesNotContain("AttributionReport", worker.Invoked);
    }

    [Fact]
    public async Task MiddlewareThatThrows_HttpFunctionAnswers500AndQueueFunctionFails()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, alter: b => b.UseMiddleware<ThrowingMiddleware>());

        Assert.Equal(typeof(ThrowingMiddleware), worker.Middleware[^1]);
        var answer = await worker.SendAsync(Requests.Get("/api/trending"));
        Assert.Equal(500, answer.Status);
        Assert.Contains("problem+json", answer.Header("Content-Type"), StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => worker.InvokeTimerAsync("CatalogRollupTimer"));
        Assert.Empty(worker.Invoked);
    }

    [Fact]
    public async Task ResultTheIntegrationCannotWrite_InvocationFails()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, alter: b => b.UseMiddleware<ResultReplacingMiddleware>());

        var failure = await Assert.ThrowsAsync<UnwritableResultException>(() => worker.SendAsync(Requests.Get("/api/health")));
        Assert.Contains("Health", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompositionWithoutTheAspNetCoreIntegrationFirst_HarnessRefusesIt()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => WorkerHost.StartAsync(
            azurite.ConnectionString,
            alter: b => b.Services.Insert(0, ServiceDescriptor.Singleton<ThrowingMiddleware, ThrowingMiddleware>())));
        Assert.Contains("outermost", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrpcClient_IsTheOneHostedServiceNotStarted()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString);

        var started = worker.Services.GetServices<IHostedService>().Select(s => s.GetType().Assembly).ToList();
        Assert.DoesNotContain(typeof(WorkerOptions).Assembly, started);
        Assert.Contains(typeof(SongCatalog).Assembly, started);
    }

    private sealed class ThrowingMiddleware : IFunctionsWorkerMiddleware
    {
        public Task Invoke(FunctionContext context, FunctionExecutionDelegate next) => throw new InvalidOperationException("broken on purpose");
    }

    /// <summary>Stands for a function whose result the integration does not know: it replaces the result after the function ran.</summary>
    private sealed class ResultReplacingMiddleware : IFunctionsWorkerMiddleware
    {
        public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
        {
            await next(context);
            ((InvocationContext)context).InvocationResult = "a plain string";
        }
    }
}
