using Resso.Functions.SelfHost;

return await SelfHostApp.RunAsync(args);
