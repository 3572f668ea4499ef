using Microsoft.Azure.Functions.Worker.Builder;
using Resso.Functions;

return RessoWorker.Run(FunctionsApplication.CreateBuilder(args), Console.Error);
