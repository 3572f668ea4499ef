using System.Globalization;
using System.Text.RegularExpressions;

namespace Resso.Load.Scenarios;

/// <summary>
/// Named lists of ids that fill placeholders: <c>{song}</c> takes a uniformly random id from the
/// pool <c>song</c> on every request.
/// </summary>
public sealed partial class IdPools
{
    /// <summary>The most ids one pool may hold.</summary>
    public const int MaxIds = 10_000_000;

    private readonly Dictionary<string, string[]> _pools;

    private IdPools(Dictionary<string, string[]> pools) => _pools = pools;

    /// <summary>No pools.</summary>
    public static IdPools Empty { get; } = new(new Dictionary<string, string[]>(StringComparer.Ordinal));

    /// <summary>
    /// Pools matching what <c>tools/Resso.Traffic</c> seeds with its defaults (what <c>./run.sh</c>
    /// loads as demo data): <c>user</c> u_000000..004999, <c>song</c> s_000000..001999,
    /// <c>video</c> v_42_000000..009999 and <c>region</c> its 24 regions.
    /// </summary>
    public static IdPools Defaults { get; } = Empty
        .With("user", ParseSpec("u_000000..004999", "."))
        .With("song", ParseSpec("s_000000..001999", "."))
        .With("video", ParseSpec("v_42_000000..009999", "."))
        .With("region", ParseSpec("ID,US,BR,MX,IN,PH,GB,JP,TH,VN,DE,FR,MY,TR,SA,EG,NG,KR,ES,AR,CO,CA,AU,IT", "."));

    /// <summary>The pool names.</summary>
    public IEnumerable<string> Names => _pools.Keys;

    /// <summary>The ids of pool <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no such pool.</exception>
    public IReadOnlyList<string> this[string name] => _pools[name];

    /// <summary>There is a pool called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _pools.ContainsKey(name);

    /// <summary>These pools, with pool <paramref name="name"/> set to <paramref name="ids"/> (replacing any).</summary>
    /// <exception cref="UsageException">The name is not a placeholder name, or there are no ids.</exception>
    public IdPools With(string name, IReadOnlyList<string> ids)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new UsageException($"'{name}' is not a pool name: a letter or _, then letters, digits or _.");
        }

        if (ids.Count == 0)
        {
            throw new UsageException($"the pool '{name}' has no ids.");
        }

        var pools = new Dictionary<string, string[]>(_pools, StringComparer.Ordinal) { [name] = [.. ids] };
        return new IdPools(pools);
    }

    /// <summary>These pools, overridden by <paramref name="other"/> where both have a pool.</summary>
    public IdPools With(IdPools other)
    {
        var pools = new Dictionary<string, string[]>(_pools, StringComparer.Ordinal);
        foreach (var (name, ids) in other._pools)
        {
            pools[name] = ids;
        }

        return new IdPools(pools);
    }

    /// <summary>A uniformly random id of pool <paramref name="name"/>.</summary>
    public string Pick(string name, Random random)
    {
        var ids = _pools[name];
        return ids[random.Next(ids.Length)];
    }

    /// <summary>
    /// Reads ids written as <c>@file</c> (one id per line; blank lines and lines starting with
    /// <c>#</c> skipped; relative to <paramref name="baseDirectory"/>) or as a comma-separated list
    /// whose items are ids or ranges <c>prefix000..999</c>: the numbers from the first to the second,
    /// zero-padded to the first's width, after the prefix (<c>s_000000..001999</c> is s_000000 to s_001999).
    /// </summary>
    /// <exception cref="UsageException">The file is missing, a range is backwards or too large, or there are no ids.</exception>
    public static IReadOnlyList<string> ParseSpec(string spec, string baseDirectory)
    {
        var ids = new List<string>();
        if (spec.StartsWith('@'))
        {
            var path = Path.GetFullPath(spec[1..], baseDirectory);
            if (!File.Exists(path))
            {
                throw new UsageException($"the id file '{path}' does not exist.");
            }

            ids.AddRange(File.ReadLines(path).Select(static line => line.Trim()).Where(static line => line.Length > 0 && !line.StartsWith('#')));
        }
        else
        {
            foreach (var item in spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                AddItem(item, ids);
            }
        }

        return ids.Count switch
        {
            0 => throw new UsageException($"'{spec}' gives no ids."),
            > MaxIds => throw new UsageException($"'{spec}' gives more than {MaxIds:N0} ids."),
            _ => ids,
        };
    }

    private static void AddItem(string item, List<string> ids)
    {
        var range = RangePattern().Match(item);
        if (!range.Success)
        {
            ids.Add(item);
            return;
        }

        var prefix = range.Groups["prefix"].Value;
        var fromText = range.Groups["from"].Value;
        if (!long.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out var from)
            || !long.TryParse(range.Groups["to"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var to)
            || to < from)
        {
            throw new UsageException($"the range '{item}' must go from a smaller number to a larger one.");
        }

        if (to - from + 1 + ids.Count > MaxIds)
        {
            throw new UsageException($"the range '{item}' gives more than {MaxIds:N0} ids.");
        }

        var format = "D" + fromText.Length.ToString(CultureInfo.InvariantCulture);
        for (var n = from; n <= to; n++)
        {
            ids.Add(prefix + n.ToString(format, CultureInfo.InvariantCulture));
        }
    }

    // \z, not $ ($ also matches before a final \n); [0-9], not \d (any Unicode digit).
    [GeneratedRegex(@"^(?<prefix>.*?)(?<from>[0-9]+)\.\.(?<to>[0-9]+)\z", RegexOptions.CultureInvariant)]
    private static partial Regex RangePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
