using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Privacy;

namespace Resso.Functions;

public sealed class PrivacyFunctions(PrivacyService privacy, RetentionTimer retention)
{
    // The listener's own: anonymous at the host, the worker validates the bearer token.
    [Function("ExportMe")]
    public Task<IResult> ExportMe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/export")] HttpRequest request) =>
        PrivacyApi.MyExportAsync(request, privacy, request.HttpContext.RequestAborted);

    [Function("EraseMe")]
    public Task<IResult> EraseMe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "me")] HttpRequest request) =>
        PrivacyApi.EraseMeAsync(request, privacy);

    [Function("ExportUser")]
    public async Task<IResult> ExportUser(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "users/{userId}/export")] HttpRequest request, string userId) =>
        await PrivacyApi.ExportAsync(userId, request, privacy, request.HttpContext.RequestAborted);

    [Function("EraseUser")]
    public async Task<IResult> EraseUser(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "users/{userId}")] HttpRequest request, string userId) =>
        await PrivacyApi.EraseAsync(userId, request, privacy);

    [Function("RetentionTimer")]
    public Task RetentionTimer([TimerTrigger(Core.Privacy.RetentionTimer.ScheduleExpression)] TimerInfo timerInfo, CancellationToken cancellationToken) =>
        retention.RunAsync(cancellationToken);
}
