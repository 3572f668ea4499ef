using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Resso.Functions;

RessoWorker.Configure(FunctionsApplication.CreateBuilder(args)).Build().Run();
