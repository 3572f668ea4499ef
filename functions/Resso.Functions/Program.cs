using Microsoft.Azure.Functions.Worker.Builder;
using Resso.Functions;

RessoWorker.Configure(FunctionsApplication.CreateBuilder(args)).Build().Run();
