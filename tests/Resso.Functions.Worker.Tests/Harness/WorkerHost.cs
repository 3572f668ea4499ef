using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Converters;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests.Harness;

/// <summary>
/// The Azure Functions app composed exactly as its <c>Program.cs</c> composes it
/// (<c>FunctionsApplication.CreateBuilder</c> + <see cref="RessoWorker.Configure"/>), built and
/// started against Azurite without a Functions host, with its functions invoked from that container.
/// </summary>
/// <remarks>
/// <para>
/// What is the worker's own: the composition and container (options validated on start, hosted
/// services started), the app's worker middleware in registration order resolved from the
/// container (<see cref="IFunctionsWorkerMiddleware"/> services registered by <c>UseMiddleware</c>),
/// the function class created by the worker's <see cref="IFunctionActivator"/> in a per-invocation
/// scope, every parameter bound by the worker's input converters (the binding attribute's
/// <see cref="InputConverterAttribute"/> first, then <see cref="WorkerOptions.InputConverters"/>)
/// from what the host sends (route values, the queue message as the extension's model binding data,
/// the timer's JSON), and the entry point named by the built <c>functions.metadata</c>.
/// </para>
/// <para>
/// What this harness does instead of the worker, because the worker exposes no public way to drive
/// it without a Functions host (its application, invocation-features factory and bindings feature
/// are internal in Microsoft.Azure.Functions.Worker.Core 2.x): it does not start the gRPC client
/// (the one hosted service removed), does not run the worker's invocation pipeline object (so the
/// built-in output-binding and execution middleware, the invoker and its logging scope do not run:
/// the harness calls the entry point by reflection after binding), and it stands in for the ASP.NET
/// Core integration's proxying middleware: the request is a <see cref="DefaultHttpContext"/> built
/// here (routed by the function's route template, services from the invocation scope, remote
/// address loopback) rather than one received by the worker's Kestrel listener from the host, and
/// the function's <see cref="IResult"/> or <see cref="IActionResult"/> is executed into it as that
/// middleware does. Any other result type makes the invocation fail with
/// <see cref="UnwritableResultException"/>.
/// </para>
/// </remarks>
internal sealed class WorkerHost : IAsyncDisposable
{
    /// <summary>The name the queue extension gives its model binding data.</summary>
    public const string QueueExtensionSource = "AzureStorageQueues";

    /// <summary>
    /// The ASP.NET Core integration listens on one port chosen once per process (as the worker
    /// process has one listener), so one worker runs at a time; bounded, not a sleep.
    /// </summary>
    private static readonly SemaphoreSlim OnePerProcess = new(1, 1);

    private readonly IHost _host;
    private readonly IReadOnlyList<Type> _middleware;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _invoked = new(StringComparer.Ordinal);

    static WorkerHost()
    {
        // What the Core Tools set for a local run: the worker reads its environment from AZURE_FUNCTIONS_ENVIRONMENT.
        Environment.SetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT", Environments.Development);
    }

    private WorkerHost(IHost host, IReadOnlyList<Type> middleware, string storagePrefix)
    {
        _host = host;
        _middleware = middleware;
        StoragePrefix = storagePrefix;
    }

    public IServiceProvider Services => _host.Services;

    public string StoragePrefix { get; }

    public StorageNames Names => new(StoragePrefix);

    /// <summary>The app's worker middleware, outermost first, as registered by the composition.</summary>
    public IReadOnlyList<Type> Middleware => _middleware;

    /// <summary>The functions whose entry point ran at least once.</summary>
    public IReadOnlyCollection<string> Invoked => [.. _invoked.Keys];

    public T Get<T>()
        where T : notnull => _host.Services.GetRequiredService<T>();

    /// <summary>
    /// Composes the app as <c>Program.cs</c> does, with the sample's settings (the Core Tools hand the
    /// worker the <c>Values</c> of the settings file as environment variables) under
    /// <paramref name="settings"/>; <paramref name="alter"/> runs after the composition (tests that
    /// break it on purpose).
    /// </summary>
    public static async Task<WorkerHost> StartAsync(
        string connectionString,
        IDictionary<string, string?>? settings = null,
        string? storagePrefix = null,
        Action<FunctionsApplicationBuilder>? alter = null,
        CancellationToken cancellationToken = default)
    {
        var prefix = storagePrefix ?? AzuriteFixture.UniqueName("w");
        var values = SampleSettings();
        values["AzureWebJobsStorage"] = connectionString;
        values["Resso:Storage:Prefix"] = prefix;
        // What the Functions host binds the queue triggers to, set for the prefix as an operator sets it.
        values["Resso:Storage:SongUsedQueue"] = new StorageNames(prefix).SongUsedQueue;
        values["Resso:Storage:ModelRetrainQueue"] = new StorageNames(prefix).ModelRetrainQueue;
        values["Resso:Api:Keys"] = SelfHostServer.TestKey;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        if (!await OnePerProcess.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken))
        {
            throw new TimeoutException("Another worker host ran for five minutes.");
        }

        try
        {
            return await BuildAndStartAsync(values, prefix, alter, cancellationToken);
        }
        catch
        {
            OnePerProcess.Release();
            throw;
        }
    }

    private static async Task<WorkerHost> BuildAndStartAsync(Dictionary<string, string?> values, string prefix, Action<FunctionsApplicationBuilder>? alter, CancellationToken cancellationToken)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(values);
        RessoWorker.Configure(builder);
        alter?.Invoke(builder);

        var middleware = AppMiddleware(builder.Services);
        // The gRPC client that would connect to the Functions host: there is none.
        var grpcClient = builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Assembly == typeof(WorkerOptions).Assembly).ToList();
        if (grpcClient.Count != 1)
        {
            throw new InvalidOperationException($"Expected the worker's one gRPC hosted service, found {grpcClient.Count}.");
        }

        builder.Services.Remove(grpcClient[0]);
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            await host.Services.GetRequiredService<StorageProvisioner>().WaitUntilReadyAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new WorkerHost(host, middleware, prefix);
    }

    /// <summary>The <c>Values</c> of <c>local.settings.sample.json</c> as configuration keys (<c>A__B</c> is <c>A:B</c>).</summary>
    public static Dictionary<string, string?> SampleSettings() =>
        Drift.FunctionsAppBuild.SampleSettings().ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Class middleware in registration order. The ASP.NET Core integration's proxying middleware
    /// must come first (outermost): this harness stands in for it.
    /// </summary>
    private static List<Type> AppMiddleware(IServiceCollection services)
    {
        var all = services.Where(d => typeof(IFunctionsWorkerMiddleware).IsAssignableFrom(d.ServiceType)).Select(d => d.ServiceType).ToList();
        var integration = typeof(FunctionContextExtensions).Assembly;
        if (all.Count == 0 || all[0].Assembly != integration)
        {
            throw new InvalidOperationException("The ASP.NET Core integration's middleware is not the outermost: ConfigureFunctionsWebApplication must come first.");
        }

        return [.. all.Where(t => t.Assembly != integration)];
    }

    /// <summary>Sends <paramref name="request"/> to the HTTP function whose route and method match, as the worker would run it.</summary>
    /// <remarks>A relative request address is resolved against <paramref name="baseAddress"/> (the Functions host's local address by default).</remarks>
    public async Task<HttpAnswer> SendAsync(HttpRequestMessage request, Uri? baseAddress = null, CancellationToken cancellationToken = default)
    {
        var uri = request.RequestUri!.IsAbsoluteUri ? request.RequestUri : new Uri(baseAddress ?? new Uri("http://127.0.0.1:7071"), request.RequestUri);
        var (definition, routeValues) = Route(request.Method.Method, uri.AbsolutePath);
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);

        await using var scope = _host.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = request.Method.Method;
        http.Request.Scheme = uri.Scheme;
        http.Request.Host = new HostString(uri.Authority);
        http.Request.Path = uri.AbsolutePath;
        http.Request.QueryString = new QueryString(uri.Query);
        foreach (var header in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
        {
            http.Request.Headers[header.Key] = header.Value.ToArray();
        }

        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = body.Length;
        http.Request.RouteValues = new RouteValueDictionary(routeValues);
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        http.Response.Body = new MemoryStream();
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        http.RequestAborted = aborted.Token;

        var bindingData = routeValues.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.OrdinalIgnoreCase);
        var context = new InvocationContext(definition, scope.ServiceProvider, bindingData, aborted.Token);
        context.Items["HttpRequestContext"] = http;
        if (!ReferenceEquals(context.GetHttpContext(), http))
        {
            throw new InvalidOperationException("The ASP.NET Core integration no longer finds the request where this harness puts it.");
        }

        await RunPipelineAsync(context, triggerSource: null);

        // What the integration's proxying middleware does with the invocation result.
        switch (context.InvocationResult)
        {
            case IActionResult action when !http.RequestAborted.IsCancellationRequested:
                await action.ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
                break;
            case IResult result:
                await result.ExecuteAsync(http);
                break;
            case null:
                break;
            default:
                throw new UnwritableResultException(definition.Name, context.InvocationResult.GetType());
        }

        return HttpAnswer.From(http);
    }

    /// <summary>Delivers <paramref name="message"/> to a queue function as the host does: the message as the queue extension's model binding data.</summary>
    public async Task InvokeQueueAsync(string function, QueueMessage message, CancellationToken cancellationToken = default)
    {
        var definition = Definition(function, "queueTrigger");
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["MessageId"] = message.MessageId,
            ["PopReceipt"] = message.PopReceipt,
            ["MessageText"] = message.Body.ToString(),
            ["DequeueCount"] = message.DequeueCount,
            ["NextVisibleOn"] = message.NextVisibleOn?.UtcDateTime,
            ["InsertedOn"] = message.InsertedOn?.UtcDateTime,
            ["ExpiresOn"] = message.ExpiresOn?.UtcDateTime,
        });
        var bindingData = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["QueueTrigger"] = message.Body.ToString(),
            ["Id"] = message.MessageId,
            ["DequeueCount"] = message.DequeueCount,
            ["PopReceipt"] = message.PopReceipt,
        };
        await using var scope = _host.Services.CreateAsyncScope();
        var context = new InvocationContext(definition, scope.ServiceProvider, bindingData, cancellationToken);
        await RunPipelineAsync(context, new HostModelBindingData(QueueExtensionSource, new BinaryData(json)));
    }

    /// <summary>Fires a timer function as the host does: the timer's state as JSON.</summary>
    public async Task InvokeTimerAsync(string function, bool isPastDue = false, CancellationToken cancellationToken = default)
    {
        var definition = Definition(function, "timerTrigger");
        var timer = JsonSerializer.Serialize(new { Schedule = new { AdjustForDST = true }, ScheduleStatus = (object?)null, IsPastDue = isPastDue });
        await using var scope = _host.Services.CreateAsyncScope();
        var context = new InvocationContext(definition, scope.ServiceProvider, new Dictionary<string, object?>(), cancellationToken);
        await RunPipelineAsync(context, timer);
    }

    private static MetadataFunctionDefinition Definition(string function, string trigger) =>
        FunctionsMetadata.Functions.TryGetValue(function, out var definition) && definition.Trigger.Type == trigger
            ? definition
            : throw new InvalidOperationException($"No {trigger} function '{function}' in {FunctionsMetadata.FileName}.");

    /// <summary>The HTTP function the worker's listener would route to: <c>api/</c> + the binding's route, and its methods.</summary>
    private static (MetadataFunctionDefinition Definition, Dictionary<string, object?> RouteValues) Route(string method, string path)
    {
        foreach (var definition in FunctionsMetadata.Functions.Values.Where(d => d.Trigger.Type == "httpTrigger"))
        {
            var binding = definition.RawBindings[definition.Trigger.Name];
            var methods = binding.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!);
            if (!methods.Contains(method, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var route = binding.TryGetProperty("route", out var r) ? r.GetString()! : definition.Name;
            var values = new RouteValueDictionary();
            if (new TemplateMatcher(TemplateParser.Parse("api/" + route), []).TryMatch(path, values))
            {
                return (definition, values.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase));
            }
        }

        throw new InvalidOperationException($"No HTTP function for {method} {path}.");
    }

    private async Task RunPipelineAsync(InvocationContext context, object? triggerSource)
    {
        FunctionExecutionDelegate pipeline = c => ExecuteAsync((InvocationContext)c, triggerSource);
        foreach (var type in _middleware.Reverse())
        {
            var next = pipeline;
            var middleware = (IFunctionsWorkerMiddleware)context.InstanceServices.GetRequiredService(type);
            pipeline = c => middleware.Invoke(c, next);
        }

        await pipeline(context);
    }

    private async Task ExecuteAsync(InvocationContext context, object? triggerSource)
    {
        var definition = (MetadataFunctionDefinition)context.FunctionDefinition;
        var method = definition.Method;
        var instance = method.IsStatic ? null : context.InstanceServices.GetRequiredService<IFunctionActivator>().CreateInstance(method.DeclaringType!, context);
        var parameters = method.GetParameters();
        var arguments = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var source = parameters[i].Name == definition.Trigger.Name
                ? triggerSource
                : context.BindingContext.BindingData.GetValueOrDefault(parameters[i].Name!);
            arguments[i] = await BindAsync(context, parameters[i], source);
        }

        object? returned;
        try
        {
            returned = method.Invoke(instance, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        context.Invoked = true;
        _invoked.AddOrUpdate(definition.Name, 1, static (_, n) => n + 1);
        context.InvocationResult = returned switch
        {
            Task task => await AwaitAsync(task, method.ReturnType),
            ValueTask valueTask => await AwaitAsync(valueTask.AsTask(), typeof(Task)),
            _ => returned,
        };
    }

    private static async Task<object?> AwaitAsync(Task task, Type declared)
    {
        await task;
        return declared.IsGenericType && declared.GetGenericTypeDefinition() == typeof(Task<>)
            ? declared.GetProperty(nameof(Task<object>.Result))!.GetValue(task)
            : null;
    }

    /// <summary>Binds one parameter with the worker's converters, as its input conversion does.</summary>
    private static async Task<object?> BindAsync(InvocationContext context, ParameterInfo parameter, object? source)
    {
        var declared = parameter.GetCustomAttributes(inherit: true)
            .SelectMany(a => a.GetType().GetCustomAttributes<InputConverterAttribute>(inherit: true).Select(c => c.ConverterType));
        var registered = context.InstanceServices.GetRequiredService<IOptions<WorkerOptions>>().Value.InputConverters;
        var converterContext = new ParameterConverterContext(parameter.ParameterType, source, context, new Dictionary<string, object>());
        foreach (var type in declared.Concat(registered).Distinct())
        {
            var converter = (IInputConverter)ActivatorUtilities.GetServiceOrCreateInstance(context.InstanceServices, type);
            var result = await converter.ConvertAsync(converterContext);
            switch (result.Status)
            {
                case ConversionStatus.Succeeded:
                    return result.Value;
                case ConversionStatus.Failed:
                    throw new FunctionInputConverterException($"Error converting parameter '{parameter.Name}' of {context.FunctionDefinition.Name} with {type.Name}.", result.Error!);
                default:
                    break;
            }
        }

        throw new FunctionInputConverterException($"No converter of the worker binds parameter '{parameter.Name}' ({parameter.ParameterType.Name}) of {context.FunctionDefinition.Name}.");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        finally
        {
            OnePerProcess.Release();
        }
    }
}

/// <summary>A function returned something the ASP.NET Core integration does not write into the response.</summary>
internal sealed class UnwritableResultException(string function, Type type)
    : InvalidOperationException($"{function} returned {type.FullName}: the ASP.NET Core integration writes IResult, IActionResult or HttpResponseData only.");
