using System.Globalization;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Cli;

/// <summary>Where events go.</summary>
public enum TargetKind
{
    /// <summary>POST /api/events.</summary>
    Http,

    /// <summary>The song-used queue, directly.</summary>
    Queue,

    /// <summary>A JSON-lines file.</summary>
    File,
}

/// <summary>What the tool does.</summary>
public enum CommandKind
{
    /// <summary>Sends the traffic to a <see cref="TargetKind"/>.</summary>
    Send,

    /// <summary>Writes the world, its interactions and its ground truth as CSV files, offline.</summary>
    Export,

    /// <summary>
    /// Readies a local run: waits for the service, seeds it when its storage is empty, waits until the
    /// events are counted, makes sure a model is published, rolls the catalog up and prints where to start.
    /// </summary>
    Demo,
}

/// <summary>The parsed command line.</summary>
public sealed class CommandOptions
{
    /// <summary>The address the self-host listens on by default.</summary>
    public static readonly Uri DefaultUrl = new("http://127.0.0.1:7071");

    public bool Help { get; init; }

    public CommandKind Command { get; init; } = CommandKind.Send;

    /// <summary>export: replace files that exist.</summary>
    public bool Force { get; init; }

    public TargetKind Target { get; init; } = TargetKind.Http;

    public Uri Url { get; init; } = DefaultUrl;

    public string? Key { get; init; }

    public string? Connection { get; init; }

    public string? Prefix { get; init; }

    public string? Out { get; init; }

    public bool Catalog { get; init; }

    public bool IfEmpty { get; init; }

    public bool Progress { get; init; } = true;

    /// <summary>After sending over HTTP, wait until the service's <c>song-used</c> backlog drains (the default for HTTP).</summary>
    public bool Wait { get; init; }

    /// <summary>The longest wait of each waiting step: the backlog, and in <c>--demo</c> the service's start and the model.</summary>
    public TimeSpan WaitTimeout { get; init; } = CommandLine.DefaultWaitTimeout;

    public int Concurrency { get; init; } = 4;

    public int Batch { get; init; } = 500;

    /// <summary><c>--demo</c>: offers the funnel step asks for after seeding; 0 skips the step.</summary>
    public int FunnelOffers { get; init; } = CommandLine.DemoFunnelOffers;

    public TrafficOptions Traffic { get; init; } = new();
}

/// <summary>A command line that cannot be run; the message says what to change.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Parses <c>--name value</c> and <c>--name=value</c> options.</summary>
public static class CommandLine
{
    /// <summary>The most events one request may carry.</summary>
    public const int MaxBatch = 500;

    /// <summary>The oldest events the service accepts are 30 days old.</summary>
    public const double MaxDays = 30;

    /// <summary>Events <c>--demo</c> sends unless told otherwise: what <c>./run.sh</c> seeds.</summary>
    public const int DemoEvents = 20_000;

    /// <summary>Offers <c>--demo</c> asks for after seeding unless told otherwise.</summary>
    public const int DemoFunnelOffers = 600;

    /// <summary>The most offers <c>--funnel-offers</c> takes.</summary>
    public const int MaxFunnelOffers = 10_000;

    /// <summary>The longest wait of each waiting step unless <c>--wait-timeout</c> says otherwise.</summary>
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(600);

    public const string Usage = """
        Resso traffic: synthetic "song used in short video" events, the same for the same seed.

        More traffic in the demo world (new events and videos, the same songs and users):
          dotnet run --project tools/Resso.Traffic -- --key local-dev-key --events 50000 --run 2
        (--run 3, 4, … for more; --seed builds another world, whose ids do not overlap the demo's.)

        Usage:
          dotnet run --project tools/Resso.Traffic -- [--target http] [--url <url>] [--key <key>] [--catalog] [--if-empty] [--no-wait] [options]
          dotnet run --project tools/Resso.Traffic -- --demo [--url <url>] --key <key> [--events <n>] [--funnel-offers <n>] [world options]
          dotnet run --project tools/Resso.Traffic -- --target queue [--connection <string>] [--prefix <prefix>] [options]
          dotnet run --project tools/Resso.Traffic -- --target file --out <events.jsonl> [options]
          dotnet run --project tools/Resso.Traffic -- export --out <folder> [--force] [world and traffic options]

        Targets:
          --target <http|queue|file>  where events go (default http)
          --url <url>                 http: the app's base address, without /api (default http://127.0.0.1:7071)
          --key <key>                 http: the x-functions-key for POST /api/events and PUT /api/songs/{id}
          --catalog                   http: first PUT each song's details to /api/songs/{songId}
          --if-empty                  http: check GET /api/health, then send only if the storage's
                                      interactions table is empty (or missing)
          --connection <string>       queue, --if-empty: the storage connection string (default: AzureWebJobsStorage
                                      from the environment, ./local.settings.json or ./local.settings.sample.json)
          --prefix <prefix>           queue, --if-empty: the storage name prefix (default: Resso__Storage__Prefix
                                      from the same places, else none)
          --out <path>                file: write one JSON event per line; export: the folder to write into

        Waiting (http):
          --wait                      after sending, wait until the service has counted the events: poll
                                      GET /api/health until its song-used queue depth is 0, then print the
                                      end-to-end rate from the first send (the default for http)
          --no-wait                   stop once the events are enqueued
          --wait-timeout <s>          give up waiting after this many seconds (default 600); with --demo, the
                                      bound of each wait: the service's start, the backlog and the model

        Demo (what ./run.sh runs):
          --demo                      wait for GET /api/health; if storage holds no events, upload the catalog
                                      and send --events (default 20000); wait until they are counted; if no
                                      model is published, POST /api/model/retrain and wait for one; POST
                                      /api/catalog/rollup; when it seeded, make a funnel as the apps would
                                      (--funnel-offers); then print where to start and five commands to try
                                      (stdout). Storage as for --if-empty (--connection, --prefix).
          --funnel-offers <n>         --demo: offers to ask for over the service's top 40 trending songs (7 days),
                                      for viewers of the world; about 15 % of them are followed from a phone
                                      without the app, 40 % of those claim the code, 60 % of those subscribe
                                      (half of them trials). 0 to 10000, 0 skips it (default 600). Claims are
                                      limited by the service to 60 a minute from one address.

        Export (offline: no HTTP, no storage):
          export                      write the world and its traffic into --out <folder>, created if missing:
                                      interactions.csv  user,item,weight: the product's weight of each user's
                                                        distinct events with a song (no recency decay)
                                      truth.csv         each user's true taste: region, creator, favourite
                                                        clusters and how often a song is drawn from each
                                      songs.csv         each song: title, artist, label, cluster, genre, regions,
                                                        popularity
                                      The same world and traffic options give the world and events the demo
                                      sends (./run.sh sends --events 20000 with the other defaults).
          --force                     export: replace those files if they exist

        World and traffic:
          --events <n>       events to emit, duplicates included (default 10000)
          --users <n>        users, about 10 % of them creators (default 5000)
          --songs <n>        songs (default 2000)
          --clusters <n>     taste clusters (genres); each artist is in one (default 12)
          --duplicates <r>   share of emitted events that re-send an earlier one unchanged, 0 to <1 (default 0.1)
          --zipf <s>         popularity exponent of songs (default 1.1)
          --viral <r>        share of new events that use one viral song (mid-chart, playable everywhere),
                             0 to 0.9 (default 0)
          --seed <n>         seed of the world (default 42, the demo world). Another seed is another world,
                             with its own ids: s7_000000, u7_000000 for seed 7 (and s42.500.100.6_000000
                             for other --songs, --users or --clusters); upload it with --catalog
          --run <n>          traffic run in the world, from 1 (default 1, what the demo sends). Each run has
                             its own event and video ids (e_42r2_…, v_42r2_…) over the same songs and users;
                             sending the same run again is all duplicates to the service
          --days <d>         spread occurredAt over the last d days, at most 30 (default 7)

        Sending:
          --concurrency <n>  requests or queue sends in flight, 1-64 (default 4; file: 1)
          --batch <n>        events per request or per packed queue send, 1-500 (default 500)
          --no-progress      no progress line on stderr (sending, or drawing the events of an export)
          -h, --help         show this text

        Progress goes to stderr, the summary to stdout.
        Exit codes: 0 all sent and counted (or exported; with --demo, ready); 1 a batch failed, the service refused
        the run, the backlog did not drain in time, a --demo step failed, or a file could not be written; 2 bad
        options, or export files exist without --force; 130 interrupted.
        """;

    /// <summary>The options that only sending takes.</summary>
    private static readonly string[] SendingOnly =
        ["--target", "--url", "--key", "--connection", "--prefix", "--catalog", "--if-empty", "--concurrency", "--batch",
            "--wait", "--no-wait", "--wait-timeout", "--demo", "--funnel-offers"];

    /// <summary>Parses <paramref name="args"/>: <c>export</c> first for an export, else options to send.</summary>
    /// <exception cref="UsageException">An option is unknown, repeated, missing its value, or out of range.</exception>
    public static CommandOptions Parse(IReadOnlyList<string> args)
    {
        var command = args is ["export", ..] ? CommandKind.Export : CommandKind.Send;
        if (command == CommandKind.Export)
        {
            args = [.. args.Skip(1)];
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        string[] valued = ["--target", "--url", "--key", "--connection", "--prefix", "--out", "--events", "--users", "--songs",
            "--clusters", "--duplicates", "--zipf", "--viral", "--seed", "--run", "--days", "--concurrency", "--batch", "--wait-timeout", "--funnel-offers"];
        string[] switches = ["--catalog", "--if-empty", "--force", "--no-progress", "--help", "-h", "--wait", "--no-wait", "--demo"];

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inline = arg[(equals + 1)..];
                arg = arg[..equals];
            }

            if (switches.Contains(arg))
            {
                if (inline is not null)
                {
                    throw new UsageException($"{arg} takes no value.");
                }

                if (!flags.Add(arg == "-h" ? "--help" : arg))
                {
                    throw new UsageException($"{arg} is given twice.");
                }
            }
            else if (valued.Contains(arg))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{arg} needs a value."));
                if (!values.TryAdd(arg, value))
                {
                    throw new UsageException($"{arg} is given twice.");
                }
            }
            else
            {
                throw new UsageException(
                    arg == "export" ? "export must be the first argument."
                    : arg.StartsWith('-') ? $"unknown option {arg}."
                    : $"unexpected argument '{arg}'.");
            }
        }

        if (flags.Contains("--help"))
        {
            return new CommandOptions { Help = true };
        }

        if (command == CommandKind.Export)
        {
            foreach (var name in SendingOnly.Where(n => values.ContainsKey(n) || flags.Contains(n)))
            {
                throw new UsageException($"{name} does not apply to export.");
            }

            if (string.IsNullOrWhiteSpace(values.GetValueOrDefault("--out")))
            {
                throw new UsageException("export needs --out <folder>.");
            }
        }
        else if (flags.Contains("--force"))
        {
            throw new UsageException("--force applies to export only.");
        }

        if (flags.Contains("--demo"))
        {
            command = CommandKind.Demo;
            foreach (var name in new[] { "--target", "--out", "--no-wait", "--wait" }.Where(n => values.ContainsKey(n) || flags.Contains(n)))
            {
                throw new UsageException($"{name} does not apply to --demo: it sends over HTTP and always waits.");
            }
        }

        else if (values.ContainsKey("--funnel-offers"))
        {
            throw new UsageException("--funnel-offers applies to --demo only.");
        }

        if (flags.Contains("--wait") && flags.Contains("--no-wait"))
        {
            throw new UsageException("--wait and --no-wait contradict each other.");
        }

        var target = values.GetValueOrDefault("--target", "http") switch
        {
            "http" => TargetKind.Http,
            "queue" => TargetKind.Queue,
            "file" => TargetKind.File,
            var other => throw new UsageException($"--target must be http, queue or file, not '{other}'."),
        };

        OnlyFor(TargetKind.Http, "--url", "--key", "--catalog", "--if-empty", "--wait", "--no-wait", "--wait-timeout");
        if (command == CommandKind.Send)
        {
            OnlyFor(TargetKind.File, "--out");
        }

        if (target != TargetKind.Queue && !flags.Contains("--if-empty") && command != CommandKind.Demo)
        {
            foreach (var name in new[] { "--connection", "--prefix" }.Where(values.ContainsKey))
            {
                throw new UsageException($"{name} applies to --target queue, --if-empty and --demo only.");
            }
        }

        var url = CommandOptions.DefaultUrl;
        if (values.TryGetValue("--url", out var urlText)
            && (!Uri.TryCreate(urlText, UriKind.Absolute, out url!) || url.Scheme is not ("http" or "https")))
        {
            throw new UsageException($"--url must be an absolute http(s) address such as {CommandOptions.DefaultUrl}, not '{urlText}'.");
        }

        var outPath = values.GetValueOrDefault("--out");
        if (target == TargetKind.File && string.IsNullOrWhiteSpace(outPath))
        {
            throw new UsageException("--target file needs --out <path>.");
        }

        if (values.TryGetValue("--prefix", out var prefix) && !System.Text.RegularExpressions.Regex.IsMatch(prefix, @"^([a-z][a-z0-9]{0,11})?\z"))
        {
            throw new UsageException("--prefix must be empty or 1-12 lowercase letters and digits, starting with a letter.");
        }

        var songs = Int("--songs", 2_000, 1, 10_000_000);
        var traffic = new TrafficOptions
        {
            Events = Int("--events", command == CommandKind.Demo ? DemoEvents : 10_000, 0, int.MaxValue),
            Users = Int("--users", 5_000, 1, 10_000_000),
            Songs = songs,
            Clusters = Int("--clusters", 12, 1, songs),
            DuplicateRate = Double("--duplicates", 0.10, 0, 1, maxExclusive: true),
            ZipfExponent = Double("--zipf", 1.1, 0, 5),
            ViralShare = Double("--viral", 0, 0, 0.9),
            Seed = Int("--seed", TrafficOptions.DefaultSeed, int.MinValue, int.MaxValue),
            Run = Int("--run", 1, 1, 1_000_000),
            Days = Double("--days", 7, 0, MaxDays, minExclusive: true),
        };

        return new CommandOptions
        {
            Command = command,
            Force = flags.Contains("--force"),
            Target = target,
            Url = url,
            Key = values.GetValueOrDefault("--key"),
            Connection = values.GetValueOrDefault("--connection"),
            Prefix = prefix,
            Out = outPath,
            Catalog = flags.Contains("--catalog"),
            IfEmpty = flags.Contains("--if-empty"),
            Progress = !flags.Contains("--no-progress"),
            Wait = command == CommandKind.Demo || (command == CommandKind.Send && target == TargetKind.Http && !flags.Contains("--no-wait")),
            WaitTimeout = TimeSpan.FromSeconds(Int("--wait-timeout", (int)DefaultWaitTimeout.TotalSeconds, 1, 86_400)),
            Concurrency = Int("--concurrency", 4, 1, 64),
            Batch = Int("--batch", MaxBatch, 1, MaxBatch),
            FunnelOffers = Int("--funnel-offers", DemoFunnelOffers, 0, MaxFunnelOffers),
            Traffic = traffic,
        };

        void OnlyFor(TargetKind kind, params string[] names)
        {
            foreach (var name in names.Where(n => target != kind && (values.ContainsKey(n) || flags.Contains(n))))
            {
                throw new UsageException($"{name} applies to --target {kind.ToString().ToLowerInvariant()} only.");
            }
        }

        int Int(string name, int fallback, int min, int max)
        {
            if (!values.TryGetValue(name, out var text))
            {
                return fallback;
            }

            if (!int.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw new UsageException($"{name} must be a whole number, not '{text}'.");
            }

            return value >= min && value <= max
                ? value
                : throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max}, not {value}."));
        }

        double Double(string name, double fallback, double min, double max, bool minExclusive = false, bool maxExclusive = false)
        {
            if (!values.TryGetValue(name, out var text))
            {
                return fallback;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                throw new UsageException($"{name} must be a number, not '{text}'.");
            }

            var ok = (minExclusive ? value > min : value >= min) && (maxExclusive ? value < max : value <= max);
            return ok
                ? value
                : throw new UsageException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name} must be {(minExclusive ? "above" : "at least")} {min} and {(maxExclusive ? "below" : "at most")} {max}, not {value}."));
        }
    }
}
