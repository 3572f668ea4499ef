using Microsoft.Extensions.Time.Testing;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Tests;

/// <summary>Generators over a fixed clock, small enough for fast tests and large enough for statistics.</summary>
internal static class Builders
{
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Clock() => new(Now);

    public static TrafficOptions Options(int events = 20_000, int seed = 42, double duplicates = 0.10, int users = 5_000, int songs = 2_000, int clusters = 12) =>
        new() { Events = events, Seed = seed, DuplicateRate = duplicates, Users = users, Songs = songs, Clusters = clusters };

    public static TrafficGenerator Generator(TrafficOptions? options = null) => new(options ?? Options(), Clock());

    /// <summary>The default-sized traffic, generated once for the statistical tests.</summary>
    public static (TrafficGenerator Generator, IReadOnlyList<GeneratedEvent> Events) DefaultTraffic { get; } = Make();

    private static (TrafficGenerator, IReadOnlyList<GeneratedEvent>) Make()
    {
        var generator = Generator();
        return (generator, generator.Generate().ToList());
    }
}
