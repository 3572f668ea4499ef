using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Resso.Functions.Core;
using Resso.Testing;

namespace Resso.Functions.Tests.Contract;

/// <summary>
/// <c>docs/resso.http</c> follows the contract: one request (at least) per operation of the committed
/// document, none to a route it does not have, the funnel in its order, and every JSON body valid
/// against the operation's body schema once its variables are filled in.
/// </summary>
public sealed partial class HttpFileTests
{
    private sealed record Request(string Method, string Path, string? Body);

    private static List<Request> Requests()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "resso.http"));
        var variables = Variable().Matches(text).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value.Trim());
        string Fill(string s) => Placeholder().Replace(s, m => m.Groups["name"].Value switch
        {
            "$datetime iso8601" => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            var name => variables[name],
        });

        var requests = new List<Request>();
        foreach (var block in text.Split("\n###").Skip(1))
        {
            var lines = block.Split('\n').Skip(1).Where(l => !l.StartsWith('#')).ToList();
            var start = RequestLine().Match(lines.FirstOrDefault(l => RequestLine().IsMatch(l)) ?? "");
            Assert.True(start.Success, $"A block of docs/resso.http has no request line:{block}");
            var blank = lines.FindIndex(l => l.Trim().Length == 0);
            var body = blank < 0 ? "" : string.Join('\n', lines.Skip(blank + 1)).Trim();
            requests.Add(new(start.Groups["method"].Value, new Uri(Fill(start.Groups["path"].Value)).AbsolutePath, body.Length == 0 ? null : Fill(body).Replace("\"CODE\"", "\"7KQ2M9XHPA\"", StringComparison.Ordinal)));
        }

        return requests;
    }

    private static string? OperationOf(OpenApiContract contract, Request request) =>
        contract.Operations.Select(o => o.Key).FirstOrDefault(key =>
        {
            var (method, template) = (key.Split(' ')[0], key.Split(' ')[1].Split('/'));
            var path = request.Path.Split('/');
            return method == request.Method && template.Length == path.Length
                && template.Zip(path).All(p => p.First.StartsWith('{') || p.First == p.Second);
        });

    [Fact]
    public void HttpFile_EveryOperation_HasARequestInFunnelOrderWithAValidBody()
    {
        var contract = OpenApiContract.Committed();
        // The document does not describe the route that serves it, nor the self-host's development token issuer.
        var requests = Requests().Where(r => r.Path != RessoApi.OpenApiPath && r.Path != "/api/dev/token").ToList();

        var operations = requests.Select(r => OperationOf(contract, r) ?? $"unknown: {r.Method} {r.Path}").ToList();

        Assert.DoesNotContain(operations, o => o.StartsWith("unknown", StringComparison.Ordinal));
        Assert.Empty(contract.Operations.Select(o => o.Key).Except(operations));
        string[] funnel = ["POST /api/events", "GET /api/songs/{songId}/offer", "GET /api/l/{token}", "POST /api/claims/{code}", "POST /api/conversions", "GET /api/reports/attribution"];
        Assert.Equal(funnel, operations.Where(funnel.Contains));
        foreach (var (request, operation) in requests.Zip(operations).Where(r => r.First.Body is not null))
        {
            var schema = contract.Operation(operation.Split(' ')[0], operation.Split(' ')[1])["requestBody"]!["content"]!["application/json"]!["schema"]!;
            var errors = new List<string>();
            contract.Validate(JsonNode.Parse(request.Body!), schema, "$", errors);
            Assert.True(errors.Count == 0, $"{operation}: {string.Join("; ", errors)}");
        }
    }

    [GeneratedRegex(@"^@(?<name>\w+)\s*=\s*(?<value>.*)$", RegexOptions.Multiline)]
    private static partial Regex Variable();

    [GeneratedRegex(@"\{\{(?<name>[^}]+)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^(?<method>GET|PUT|POST|DELETE|PATCH) (?<path>\S+)")]
    private static partial Regex RequestLine();
}
