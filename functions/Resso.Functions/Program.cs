using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resso.Functions;
using Resso.Functions.Core;
using Resso.Shared.Storage;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ExceptionMiddleware>();
builder.UseMiddleware<RateLimitMiddleware>();
builder.AddResso();
builder.Services.AddSingleton<IValidateOptions<StorageOptions>, TriggerSettings>();
builder.Build().Run();
