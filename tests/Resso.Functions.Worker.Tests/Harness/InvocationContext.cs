using System.Collections;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Converters;
using Microsoft.Azure.Functions.Worker.Core;

namespace Resso.Functions.Worker.Tests.Harness;

/// <summary>
/// One invocation's <see cref="FunctionContext"/>: the function's definition, the invocation's
/// service scope (the worker creates one per invocation too), its binding data (what the host sends
/// as trigger metadata, e.g. route values) and features.
/// </summary>
internal sealed class InvocationContext(FunctionDefinition definition, IServiceProvider services, IReadOnlyDictionary<string, object?> bindingData, CancellationToken cancellationToken)
    : FunctionContext
{
    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => definition.Id;

    public override TraceContext TraceContext { get; } = new EmptyTraceContext();

    public override BindingContext BindingContext { get; } = new DataBindingContext(bindingData);

    public override RetryContext RetryContext { get; } = new NoRetryContext();

    public override IServiceProvider InstanceServices { get; set; } = services;

    public override FunctionDefinition FunctionDefinition => definition;

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features { get; } = new FeatureCollection();

    public override CancellationToken CancellationToken => cancellationToken;

    /// <summary>What the function returned, once the pipeline ran it (the worker keeps it in an internal feature).</summary>
    public object? InvocationResult { get; set; }

    /// <summary>True once the function's method ran.</summary>
    public bool Invoked { get; set; }

    private sealed class EmptyTraceContext : TraceContext
    {
        public override string TraceParent => "";

        public override string TraceState => "";
    }

    private sealed class NoRetryContext : RetryContext
    {
        public override int RetryCount => 0;

        public override int MaxRetryCount => 0;
    }

    private sealed class DataBindingContext(IReadOnlyDictionary<string, object?> data) : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData => data;
    }

    private sealed class FeatureCollection : IInvocationFeatures
    {
        private readonly Dictionary<Type, object> _features = [];

        public T Get<T>() => _features.TryGetValue(typeof(T), out var feature) ? (T)feature : default!;

        public void Set<T>(T instance) => _features[typeof(T)] = instance!;

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => _features.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>A parameter's conversion request, as the worker hands it to an <see cref="IInputConverter"/>.</summary>
internal sealed class ParameterConverterContext(Type targetType, object? source, FunctionContext context, IReadOnlyDictionary<string, object> properties) : ConverterContext
{
    public override Type TargetType => targetType;

    public override object? Source => source;

    public override FunctionContext FunctionContext => context;

    public override IReadOnlyDictionary<string, object> Properties => properties;
}

/// <summary>
/// What the Functions host sends for a binding that supports deferred binding (a queue trigger
/// bound to <c>QueueMessage</c>): the extension's name, a content type and the message as JSON.
/// </summary>
internal sealed class HostModelBindingData(string source, BinaryData content, string contentType = "application/json") : ModelBindingData
{
    public override string Version => "1.0";

    public override string Source => source;

    public override BinaryData Content => content;

    public override string ContentType => contentType;
}
