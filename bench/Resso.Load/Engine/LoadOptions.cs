namespace Resso.Load.Engine;

/// <summary>How a run loads the server. The same options make the two runs of a comparison.</summary>
public sealed record LoadOptions
{
    /// <summary>Where the self-host listens by default.</summary>
    public static readonly Uri DefaultBaseAddress = new("http://127.0.0.1:7071");

    /// <summary>The server's scheme, host and port; the host must be loopback.</summary>
    /// <value>http://127.0.0.1:7071</value>
    public Uri BaseAddress { get; init; } = DefaultBaseAddress;

    /// <summary>Concurrent connections, each driven by one worker sending requests back to back.</summary>
    /// <value>32</value>
    public int Connections { get; init; } = 32;

    /// <summary>Load before measuring, not recorded: warms up the JIT, pools and connections.</summary>
    /// <value>5 s</value>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to measure; with <see cref="Requests"/>, the most the measurement may take.</summary>
    /// <value>20 s</value>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Measure this many requests (the first to complete after the warm-up) instead of a fixed time.</summary>
    /// <value>null: measure for <see cref="Duration"/></value>
    public long? Requests { get; init; }

    /// <summary>How long one request may take before it counts as a timeout error.</summary>
    /// <value>10 s</value>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Seeds the choice of templates and ids (worker i uses seed + i).</summary>
    /// <value>42</value>
    public int Seed { get; init; } = 42;

    /// <summary>How often progress is reported, if asked for.</summary>
    /// <value>5 s</value>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The most connections a run may open.</summary>
    public const int MaxConnections = 256;

    /// <summary>Throws unless the options make a bounded run against loopback.</summary>
    /// <exception cref="UsageException">They do not.</exception>
    public void Validate()
    {
        Loopback.Check(BaseAddress);
        if (Connections is < 1 or > MaxConnections)
        {
            throw new UsageException($"connections must be between 1 and {MaxConnections}, not {Connections}.");
        }

        if (Warmup < TimeSpan.Zero || Warmup > TimeSpan.FromHours(1))
        {
            throw new UsageException("the warm-up must be between 0 and 1 hour.");
        }

        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromDays(1))
        {
            throw new UsageException("the duration must be above 0 and at most 1 day.");
        }

        if (Requests is < 1)
        {
            throw new UsageException("the request count must be at least 1.");
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromMinutes(10))
        {
            throw new UsageException("the request timeout must be above 0 and at most 10 minutes.");
        }

        if (ProgressInterval <= TimeSpan.Zero)
        {
            throw new UsageException("the progress interval must be above 0.");
        }
    }
}
