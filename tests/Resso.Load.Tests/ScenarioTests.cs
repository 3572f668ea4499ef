using Resso.Load.Scenarios;

namespace Resso.Load.Tests;

public sealed class ScenarioTests
{
    private static readonly Uri Server = new("http://127.0.0.1:7071");

    [Fact]
    public void CreateRequest_PathPlaceholders_AreFilledFromTheirPoolsAndEscaped()
    {
        var scenario = Scenario.Single(
            new RequestTemplate("/api/songs/{song}/offer?userId={user}&region=ID&platform=ios"),
            Builders.Pools(("song", ["s_000007"]), ("user", ["u 1/2"])));

        using var request = scenario.Compile(Server).Templates[0].CreateRequest(new Random(1));

        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("http://127.0.0.1:7071/api/songs/s_000007/offer?userId=u%201%2F2&region=ID&platform=ios", request.RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task CreateRequest_HeaderAndBodyPlaceholders_AreFilledAsIs()
    {
        var template = new RequestTemplate("/api/events")
        {
            Method = "POST",
            Headers = [new("x-functions-key", "key-{tenant}")],
            Body = """{"events":[{"songId":"{song}","note":"{ not a placeholder }"}]}""",
        };
        var scenario = Scenario.Single(template, Builders.Pools(("song", ["s/1"]), ("tenant", ["t1"])));

        using var request = scenario.Compile(Server).Templates[0].CreateRequest(new Random(1));

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("key-t1", Assert.Single(request.Headers.GetValues("x-functions-key")));
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("""{"events":[{"songId":"s/1","note":"{ not a placeholder }"}]}""", await request.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void CreateRequest_EveryRequest_DrawsAgainFromThePool()
    {
        string[] songs = ["s_1", "s_2", "s_3", "s_4"];
        var template = Scenario.Single(new RequestTemplate("/api/songs/{song}"), Builders.Pools(("song", songs))).Compile(Server).Templates[0];
        var random = new Random(3);

        var seen = Enumerable.Range(0, 200).Select(_ =>
        {
            using var request = template.CreateRequest(random);
            return request.RequestUri!.AbsolutePath["/api/songs/".Length..];
        }).ToHashSet();

        Assert.Equal(songs.ToHashSet(), seen);
    }

    [Fact]
    public void Placeholders_JsonBraces_AreNotPlaceholders()
    {
        var text = PlaceholderText.Parse("""{"a":{"b":1}} {user} {} {1x} {song_id}""");

        Assert.Equal(["user", "song_id"], text.Placeholders);
        Assert.Equal("""{"a":{"b":1}} U {} {1x} S""", text.Fill(name => name == "user" ? "U" : "S", escape: false));
    }

    [Fact]
    public void Compile_PlaceholderWithoutAPool_SaysWhichAndHow()
    {
        var scenario = Builders.Get("/api/videos/{clip}");

        var ex = Assert.Throws<UsageException>(() => scenario.Compile(Server));

        Assert.Contains("{clip}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--pool clip=", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/health")]
    [InlineData("http://example.com/api/health")]
    [InlineData("//example.com/api/health")]
    public void Compile_PathThatIsNotFromTheRoot_IsRefused(string path)
    {
        Assert.Throws<UsageException>(() => Builders.Get(path).Compile(Server));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void Compile_WeightNotPositive_IsRefused(double weight)
    {
        var scenario = Scenario.Single(new RequestTemplate("/api/health") { Weight = weight });

        Assert.Throws<UsageException>(() => scenario.Compile(Server));
    }

    [Fact]
    public void Pick_Weights_ChooseTemplatesInProportion()
    {
        var scenario = Builders.Mix(("/a", 1), ("/b", 3), ("/c", 6)).Compile(Server);
        var random = new Random(5);
        var counts = new int[3];

        for (var i = 0; i < 100_000; i++)
        {
            counts[scenario.Pick(random)]++;
        }

        Assert.Equal(0.1, counts[0] / 100_000.0, 0.01);
        Assert.Equal(0.3, counts[1] / 100_000.0, 0.01);
        Assert.Equal(0.6, counts[2] / 100_000.0, 0.01);
    }

    [Fact]
    public void ParseSpec_ListsAndRanges_AreExpandedZeroPadded()
    {
        var ids = IdPools.ParseSpec("x, s_000098..000101 ,v_42_7..9", ".");

        Assert.Equal(["x", "s_000098", "s_000099", "s_000100", "s_000101", "v_42_7", "v_42_8", "v_42_9"], ids);
    }

    [Fact]
    public void ParseSpec_File_ReadsOneIdPerLineSkippingCommentsAndBlanks()
    {
        var directory = Directory.CreateTempSubdirectory("resso-load-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "songs.txt"), "# songs\ns_1\n\n  s_2  \n");

            Assert.Equal(["s_1", "s_2"], IdPools.ParseSpec("@songs.txt", directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("s_9..1")]
    [InlineData(",")]
    [InlineData("@no-such-file.txt")]
    [InlineData("u_0..99999999")]
    public void ParseSpec_Invalid_IsRefused(string spec)
    {
        Assert.Throws<UsageException>(() => IdPools.ParseSpec(spec, Path.GetTempPath()));
    }

    [Fact]
    public void Defaults_MatchWhatTheTrafficGeneratorSeeds()
    {
        var pools = IdPools.Defaults;

        Assert.Equal((5_000, "u_000000", "u_004999"), (pools["user"].Count, pools["user"][0], pools["user"][^1]));
        Assert.Equal((2_000, "s_000000", "s_001999"), (pools["song"].Count, pools["song"][0], pools["song"][^1]));
        Assert.Equal(24, pools["region"].Count);
    }

    [Fact]
    public void MixFile_EveryField_IsRead()
    {
        var scenario = MixFile.Parse(
            """
            {
              // a soak mix
              "name": "soak",
              "pools": { "song": "s_000000..000009", "user": ["u_1", "u_2"] },
              "headers": { "x-functions-key": "k" },
              "requests": [
                { "name": "offer", "weight": 8, "path": "/api/songs/{song}/offer?userId={user}" },
                { "weight": 1, "method": "POST", "path": "/api/events", "headers": { "x-functions-key": "other" },
                  "body": { "events": [] } },
                { "path": "/api/health", "body": "plain", "contentType": "text/plain" },
              ],
            }
            """,
            Path.GetTempPath());

        Assert.Equal("soak", scenario.Name);
        Assert.Equal((10, 2), (scenario.Pools["song"].Count, scenario.Pools["user"].Count));
        var (offer, events, health) = (scenario.Requests[0], scenario.Requests[1], scenario.Requests[2]);
        Assert.Equal(("offer", 8.0, "GET", "k"), (offer.DisplayName, offer.Weight, offer.Method, Assert.Single(offer.Headers).Value));
        Assert.Equal(("POST /api/events", 1.0, "other"), (events.DisplayName, events.Weight, Assert.Single(events.Headers).Value));
        Assert.Equal("""{ "events": [] }""", events.Body);
        Assert.Equal(("plain", "text/plain"), (health.Body, health.ContentType));
        Assert.Equal(3, scenario.Compile(Server).Templates.Count);
    }

    [Theory]
    [InlineData("""{ "requests": [] }""")]
    [InlineData("""{ "requests": [ { "path": "/a", "weight": 0 } ] }""")]
    [InlineData("""{ "requests": [ { "path": "/a", "wieght": 2 } ] }""")]
    [InlineData("""{ "requests": [ { "method": "GET" } ] }""")]
    [InlineData("""{ "pools": { "song": 5 }, "requests": [ { "path": "/a" } ] }""")]
    [InlineData("""{ "requests": [ { "path": "/a", "body": "x", "bodyFile": "y" } ] }""")]
    [InlineData("not json")]
    public void MixFile_Invalid_IsRefusedWithAReason(string json)
    {
        var ex = Assert.Throws<UsageException>(() => MixFile.Parse(json, Path.GetTempPath()));

        Assert.NotEmpty(ex.Message);
    }

    [Fact]
    public void MixFile_Example_LoadsAndCompiles()
    {
        var scenario = MixFile.Load(Path.Combine(AppContext.BaseDirectory, "mixes", "soak.json"));

        var compiled = (scenario with { Pools = IdPools.Defaults.With(scenario.Pools) }).Compile(Server);

        Assert.True(compiled.Templates.Count > 1);
    }
}
