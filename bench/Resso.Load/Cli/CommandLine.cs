using System.Globalization;
using System.Text.RegularExpressions;
using Resso.Load.Compare;
using Resso.Load.Engine;

namespace Resso.Load.Cli;

/// <summary>What the command does.</summary>
public enum LoadMode
{
    /// <summary>Load one scenario and report it.</summary>
    Run,

    /// <summary>Load the baseline and the target, alternately, and compare them.</summary>
    Compare,
}

/// <summary>The parsed command line.</summary>
public sealed class CommandOptions
{
    public bool Help { get; init; }

    public LoadMode Mode { get; init; }

    public LoadOptions Load { get; init; } = new();

    /// <summary>The single request's path (or null with <see cref="Mix"/>).</summary>
    public string? Path { get; init; }

    public string Method { get; init; } = "GET";

    public string? Body { get; init; }

    public string? BodyFile { get; init; }

    public string? ContentType { get; init; }

    public string? Mix { get; init; }

    /// <summary>Headers for every request of the target, <c>--key</c> included.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Pools from the command line, in order: name and spec.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Pools { get; init; } = [];

    public string BaselinePath { get; init; } = CompareRunner.DefaultBaselinePath;

    public int Rounds { get; init; } = 1;

    /// <summary>compare: the pause before every run but the first.</summary>
    public TimeSpan Settle { get; init; }

    public string? Json { get; init; }

    /// <summary>The exit code is 1 when a run's errors exceed this share of its requests.</summary>
    public double MaxErrorRate { get; init; } = 0.01;

    public bool Progress { get; init; } = true;
}

/// <summary>Parses <c>run</c> and <c>compare</c> with <c>--name value</c> and <c>--name=value</c> options.</summary>
public static partial class CommandLine
{
    /// <summary>With <c>--requests</c> and no <c>--duration</c>, the most a measurement may take.</summary>
    public static readonly TimeSpan DefaultRequestsCap = TimeSpan.FromMinutes(10);

    public const string Usage = """
        Resso load: a closed-loop HTTP load generator for the self-host on loopback. N connections each
        send requests back to back (HTTP/1.1 keep-alive) for a warm-up, then for a measured time or count.

        Usage:
          dotnet run --project bench/Resso.Load -c Release -- run     --path <path> [request] [options]
          dotnet run --project bench/Resso.Load -c Release -- run     --mix <mix.json> [options]
          dotnet run --project bench/Resso.Load -c Release -- compare --path <path> [request] [--rounds <n>] [options]
          dotnet run --project bench/Resso.Load -c Release -- compare --mix <mix.json> [--rounds <n>] [options]

        Modes:
          run                     load one scenario; prints a table per request template
          compare                 load the baseline (GET /api/health) and the target one after the other with the
                                  same options, and print a markdown table for docs/benchmarks.md: every run, the
                                  target's req/s as a share of the baseline's, its p99, the command and the machine

        Request (the target):
          --path <path>           path and query from the root, with placeholders, e.g.
                                  '/api/songs/{song}/offer?userId={user}&region=ID&platform=ios' (quote it)
          --method <method>       HTTP method (default GET)
          --body <text>           request body (placeholders are filled); --body-file <path> reads it from a file
          --content-type <type>   media type of the body (default application/json)
          --header '<name>: <value>'  add a header to every request (repeatable)
          --key <key>             same as --header 'x-functions-key: <key>'
          --mix <mix.json>        weighted requests from a JSON file instead of --path (see bench/Resso.Load/README.md):
                                  {"pools":{…}, "headers":{…}, "requests":[{"name","weight","method","path","headers",
                                  "body"|"bodyFile","contentType"}, …]}

        Placeholders {name} take a random id per request from a pool (percent-encoded in the path):
          --users <ids>           {user}   (default u_000000..004999, as tools/Resso.Traffic and ./run.sh seed)
          --songs <ids>           {song}   (default s_000000..001999)
          --videos <ids>          {video}  (default v_42_000000..009999)
          --regions <ids>         {region} (default the traffic generator's 24 regions: ID,US,BR,…)
          --pool <name>=<ids>     any {name} (repeatable)
          <ids> is a comma-separated list of ids and ranges (s_000000..001999: zero-padded to the first number's
          width), or @file with one id per line. A mix file's "pools" come before these, the defaults after.

        Load:
          --url <url>             the server: scheme, host and port; the host must be 127.0.0.1, ::1 or localhost
                                  (default http://127.0.0.1:7071)
          --connections <n>       concurrent connections, one closed-loop worker each, 1-256 (default 32)
          --warmup <time>         load first, not recorded (default 5s; 0 for none)
          --duration <time>       measured time (default 20s)
          --requests <n>          measure the first n answers after the warm-up instead; --duration then caps the
                                  measurement (default cap 10m)
          --timeout <time>        per-request timeout, counted as a "Timeout" transport error (default 10s)
          --seed <n>              seed of the template and id choice (default 42)

        Compare:
          --rounds <n>            baseline, target, baseline, target … n times; medians when n > 1 (default 1)
          --baseline <path>       the baseline request (default /api/health; GET, no headers)
          --settle <time>         pause before every run but the first, so that work a run leaves in the server
                                  (write-behind, storage catching up) is not measured in the next (default 0, max 30m)

        Output:
          --json <path>           also write every run, per template, as JSON
          --max-error-rate <r>    exit 1 when a run's errors exceed this share of its requests (default 0.01)
          --no-progress           no progress lines on stderr
          -h, --help              show this text

        <time> is 500ms, 5s, 2m, 1h or plain seconds. Latency runs from sending a request to reading the last
        byte of its answer, whatever the status; errors are answers other than 2xx/3xx (by code) and requests
        with no answer (by cause). Results go to stdout, progress to stderr.
        Exit codes: 0 done; 1 a run's error rate exceeded --max-error-rate or it measured nothing; 2 bad options,
        scenario or mix file, or a URL that is not loopback; 130 interrupted (what was measured is still printed).
        """;

    private static readonly string[] Valued = ["--path", "--method", "--body", "--body-file", "--content-type", "--mix", "--key",
        "--users", "--songs", "--videos", "--regions", "--url", "--connections", "--warmup", "--duration", "--requests", "--timeout",
        "--seed", "--rounds", "--baseline", "--settle", "--json", "--max-error-rate"];

    private static readonly string[] Repeatable = ["--header", "--pool"];

    private static readonly string[] Switches = ["--no-progress", "--help", "-h"];

    /// <summary>Headers whose values are secrets: redacted from the command line in reports.</summary>
    private static readonly string[] SecretHeaders = ["x-functions-key", "authorization", "cookie"];

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="UsageException">An option is unknown, repeated, missing its value, out of range, or does not fit the mode.</exception>
    public static CommandOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lists = Repeatable.ToDictionary(name => name, _ => new List<string>(), StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        string? mode = null;

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

            if (Switches.Contains(arg))
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
            else if (Valued.Contains(arg) || Repeatable.Contains(arg))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{arg} needs a value."));
                if (lists.TryGetValue(arg, out var list))
                {
                    list.Add(value);
                }
                else if (!values.TryAdd(arg, value))
                {
                    throw new UsageException($"{arg} is given twice.");
                }
            }
            else if (!arg.StartsWith('-') && mode is null)
            {
                mode = arg;
            }
            else
            {
                throw new UsageException(arg.StartsWith('-') ? $"unknown option {arg}." : $"unexpected argument '{arg}'.");
            }
        }

        if (flags.Contains("--help"))
        {
            return new CommandOptions { Help = true };
        }

        var loadMode = mode switch
        {
            "run" => LoadMode.Run,
            "compare" => LoadMode.Compare,
            null => throw new UsageException("say what to do: run or compare."),
            _ => throw new UsageException($"the mode must be run or compare, not '{mode}'."),
        };

        var path = values.GetValueOrDefault("--path");
        var mix = values.GetValueOrDefault("--mix");
        if ((path is null) == (mix is null))
        {
            throw new UsageException("give the target as either --path <path> or --mix <mix.json>.");
        }

        foreach (var name in new[] { "--method", "--body", "--body-file", "--content-type" }.Where(n => mix is not null && values.ContainsKey(n)))
        {
            throw new UsageException($"{name} describes the --path request; a mix file sets it per request.");
        }

        if (values.ContainsKey("--body") && values.ContainsKey("--body-file"))
        {
            throw new UsageException("give the body as either --body or --body-file.");
        }

        if (values.ContainsKey("--content-type") && !values.ContainsKey("--body") && !values.ContainsKey("--body-file"))
        {
            throw new UsageException("--content-type needs a body (--body or --body-file).");
        }

        foreach (var name in new[] { "--rounds", "--baseline", "--settle" }.Where(n => loadMode != LoadMode.Compare && values.ContainsKey(n)))
        {
            throw new UsageException($"{name} applies to compare only.");
        }

        var headers = lists["--header"].Select(ParseHeader).ToList();
        if (values.TryGetValue("--key", out var key))
        {
            if (headers.Any(h => string.Equals(h.Key, "x-functions-key", StringComparison.OrdinalIgnoreCase)))
            {
                throw new UsageException("--key and --header 'x-functions-key: …' are the same header; give one.");
            }

            headers.Add(KeyValuePair.Create("x-functions-key", key));
        }

        var pools = new List<KeyValuePair<string, string>>();
        foreach (var (option, pool) in new[] { ("--users", "user"), ("--songs", "song"), ("--videos", "video"), ("--regions", "region") })
        {
            if (values.TryGetValue(option, out var spec))
            {
                pools.Add(KeyValuePair.Create(pool, spec));
            }
        }

        foreach (var entry in lists["--pool"])
        {
            var equalsAt = entry.IndexOf('=', StringComparison.Ordinal);
            if (equalsAt <= 0 || equalsAt == entry.Length - 1)
            {
                throw new UsageException($"--pool takes <name>=<ids>, not '{entry}'.");
            }

            pools.Add(KeyValuePair.Create(entry[..equalsAt], entry[(equalsAt + 1)..]));
        }

        var url = LoadOptions.DefaultBaseAddress;
        if (values.TryGetValue("--url", out var urlText) && !Uri.TryCreate(urlText, UriKind.Absolute, out url!))
        {
            throw new UsageException($"--url must be an absolute address such as {LoadOptions.DefaultBaseAddress}, not '{urlText}'.");
        }

        Loopback.Check(url);
        var baseline = values.GetValueOrDefault("--baseline", CompareRunner.DefaultBaselinePath);
        long? requests = values.ContainsKey("--requests") ? Long("--requests", 0, 1, long.MaxValue) : null;
        var load = new LoadOptions
        {
            BaseAddress = url,
            Connections = (int)Long("--connections", 32, 1, LoadOptions.MaxConnections),
            Warmup = Time("--warmup", TimeSpan.FromSeconds(5), allowZero: true),
            Duration = Time("--duration", requests is null ? TimeSpan.FromSeconds(20) : DefaultRequestsCap, allowZero: false),
            Requests = requests,
            RequestTimeout = Time("--timeout", TimeSpan.FromSeconds(10), allowZero: false),
            Seed = (int)Long("--seed", 42, int.MinValue, int.MaxValue),
        };
        load.Validate();

        var settle = Time("--settle", TimeSpan.Zero, allowZero: true);
        if (settle > CompareRunner.MaxSettle)
        {
            throw new UsageException($"--settle must be at most 30m, not '{values["--settle"]}'.");
        }

        var maxErrorRate = 0.01;
        if (values.TryGetValue("--max-error-rate", out var rateText)
            && (!double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out maxErrorRate) || maxErrorRate is < 0 or > 1))
        {
            throw new UsageException($"--max-error-rate must be a number from 0 to 1, not '{rateText}'.");
        }

        return new CommandOptions
        {
            Mode = loadMode,
            Load = load,
            Path = path,
            Method = values.GetValueOrDefault("--method", "GET"),
            Body = values.GetValueOrDefault("--body"),
            BodyFile = values.GetValueOrDefault("--body-file"),
            ContentType = values.GetValueOrDefault("--content-type"),
            Mix = mix,
            Headers = headers,
            Pools = pools,
            BaselinePath = baseline,
            Rounds = (int)Long("--rounds", 1, 1, CompareRunner.MaxRounds),
            Settle = settle,
            Json = values.GetValueOrDefault("--json"),
            MaxErrorRate = maxErrorRate,
            Progress = !flags.Contains("--no-progress"),
        };

        long Long(string name, long fallback, long min, long max)
        {
            if (!values.TryGetValue(name, out var text))
            {
                return fallback;
            }

            if (!long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw new UsageException($"{name} must be a whole number, not '{text}'.");
            }

            return value >= min && value <= max
                ? value
                : throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max}, not {value}."));
        }

        TimeSpan Time(string name, TimeSpan fallback, bool allowZero)
        {
            if (!values.TryGetValue(name, out var text))
            {
                return fallback;
            }

            var span = ParseTime(text) ?? throw new UsageException($"{name} must be a time such as 500ms, 5s, 2m or 1h, not '{text}'.");
            return span > TimeSpan.Zero || (allowZero && span == TimeSpan.Zero)
                ? span
                : throw new UsageException($"{name} must be {(allowZero ? "0 or more" : "more than 0")}, not '{text}'.");
        }
    }

    /// <summary>Reads 500ms, 5s, 2m, 1h or plain seconds; null when it is none of these.</summary>
    public static TimeSpan? ParseTime(string text)
    {
        var match = TimePattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        var seconds = match.Groups["unit"].Value switch
        {
            "ms" => n / 1000,
            "m" or "min" => n * 60,
            "h" => n * 3600,
            _ => n,
        };
        return seconds <= TimeSpan.MaxValue.TotalSeconds / 2 ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <summary>
    /// The command line that reproduces a run, quoted for a POSIX shell, with the values of
    /// <c>--key</c> and of secret headers replaced by <c>&lt;redacted&gt;</c>.
    /// </summary>
    public static string Reproduce(string prefix, IReadOnlyList<string> args)
    {
        var shown = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--key=", StringComparison.Ordinal))
            {
                shown.Add("--key=<redacted>");
            }
            else if (arg == "--key" && i + 1 < args.Count)
            {
                shown.Add(arg);
                shown.Add("<redacted>");
                i++;
            }
            else if (arg.StartsWith("--header=", StringComparison.Ordinal))
            {
                shown.Add("--header=" + RedactHeader(arg["--header=".Length..]));
            }
            else if (arg == "--header" && i + 1 < args.Count)
            {
                shown.Add(arg);
                shown.Add(RedactHeader(args[++i]));
            }
            else
            {
                shown.Add(arg);
            }
        }

        return string.Join(' ', shown.Select(Quote).Prepend(prefix));

        static string RedactHeader(string header)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && SecretHeaders.Contains(header[..colon].Trim(), StringComparer.OrdinalIgnoreCase)
                ? header[..colon] + ": <redacted>"
                : header;
        }
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && SafeForShell().IsMatch(arg) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static KeyValuePair<string, string> ParseHeader(string header)
    {
        var colon = header.IndexOf(':', StringComparison.Ordinal);
        var name = colon > 0 ? header[..colon].Trim() : "";
        return name.Length > 0
            ? KeyValuePair.Create(name, header[(colon + 1)..].Trim())
            : throw new UsageException($"--header takes '<name>: <value>', not '{header}'.");
    }

    // \z, not $ ($ also matches before a final \n: "a\n" would be printed unquoted); [0-9], not \d (any Unicode digit).
    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)(?<unit>ms|s|m|min|h)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_./:=@%+,-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeForShell();
}
