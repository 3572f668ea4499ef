using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Model;
using Resso.Ml.Serving;
using Resso.Ml.Store;
using Resso.Shared.Storage;

namespace Resso.Functions;

public sealed class ModelFunctions(
    ModelStore store,
    ModelHolder holder,
    ModelRefresher refresher,
    StorageGuard guard,
    QueueServiceClient queues,
    StorageNames names,
    TimeProvider timeProvider,
    ModelRetrainHandler retrain,
    RetrainTimer timer)
{
    [Function("GetModel")]
    public async Task<IResult> GetModel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "model")] HttpRequest request) =>
        await ModelApi.GetModelAsync(request, store, holder, refresher, guard, timeProvider, request.HttpContext.RequestAborted);

    [Function("GetModelVersions")]
    public async Task<IResult> GetModelVersions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "model/versions")] HttpRequest request) =>
        await ModelApi.GetVersionsAsync(request, store, guard, request.HttpContext.RequestAborted);

    [Function("RetrainModel")]
    public async Task<IResult> RetrainModel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "model/retrain")] HttpRequest request) =>
        await ModelApi.RequestRetrainAsync(request, queues, names, guard, timeProvider, request.HttpContext.RequestAborted);

    [Function("ModelRetrain")]
    public Task ModelRetrain([QueueTrigger(StorageOptions.ModelRetrainQueueExpression)] QueueMessage message, CancellationToken cancellationToken) =>
        retrain.HandleAsync(message, cancellationToken);

    [Function("RetrainTimer")]
    public Task RetrainTimer([TimerTrigger(Core.Model.RetrainTimer.ScheduleExpression)] TimerInfo timerInfo, CancellationToken cancellationToken) =>
        timer.RunAsync(cancellationToken);
}
