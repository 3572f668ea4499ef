using Resso.Ml.Data;

namespace Resso.Ml.Tests.Data;

public sealed class InteractionFileReaderTests
{
    private static async Task<InteractionData> ReadAsync(string text)
    {
        var builder = new InteractionDataBuilder();
        await InteractionFileReader.AddAsync(new StringReader(text), builder, "ratings.tsv", TestContext.Current.CancellationToken);
        return builder.Build();
    }

    [Fact]
    public async Task AddAsync_TabSeparatedWithHeader_ReadsInteractions()
    {
        var data = await ReadAsync("userID\tartistID\tweight\n2\t51\t13883\n2\t52\t11690\n3\t51\t5\n");

        Assert.Equal(3, data.Count);
        Assert.Equal(["2", "3"], data.Users);
        Assert.Equal(13883f, data.WeightsOf(0)[0]);
    }

    [Fact]
    public async Task AddAsync_CommaSeparatedWithoutHeaderOrWeight_UsesWeightOne()
    {
        var data = await ReadAsync("u1,s1\n\n# comment\nu2,s1\n");

        Assert.Equal(2, data.Count);
        Assert.All(data.Weights.ToArray(), w => Assert.Equal(1f, w));
    }

    [Theory]
    [InlineData("u1\ts1\t1\nu2\n", 2, "expected 2 or 3 fields")]
    [InlineData("user,item,weight\nu1,s1,1\nu1,s2,abc\n", 3, "'abc' is not a number")]
    [InlineData("u1,s1,1\nu2,s2,-4\n", 2, "non-negative")]
    [InlineData("u1,s1,1\n,s2,1\n", 2, "user id is empty")]
    [InlineData("u1,s1,1\nu2,s2,1,9\n", 2, "found 4")]
    public async Task AddAsync_MalformedLine_ThrowsWithLineNumber(string text, int line, string reason)
    {
        var exception = await Assert.ThrowsAsync<InteractionFormatException>(() => ReadAsync(text));

        Assert.Equal(line, exception.LineNumber);
        Assert.Contains($"ratings.tsv, line {line}:", exception.Message, StringComparison.Ordinal);
        Assert.Contains(reason, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_HetRecFolder_ReadsInteractionsAndArtistNames()
    {
        var folder = Directory.CreateTempSubdirectory("resso-hetrec-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, HetRecLastFm.UserArtistsFile),
                "userID\tartistID\tweight\n2\t51\t100\n2\t52\t50\n4\t51\t7\n", TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, HetRecLastFm.ArtistsFile),
                "id\tname\turl\tpictureURL\n51\tDuran Duran\thttp://x\thttp://y\n52\tMorcheeba\thttp://x\thttp://y\n", TestContext.Current.CancellationToken);

            var dataset = await HetRecLastFm.LoadAsync(folder.FullName, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(3, dataset.Interactions.Count);
            Assert.Equal(2, dataset.Interactions.UserCount);
            Assert.Equal("Morcheeba", dataset.ArtistNames["52"]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ReadAsync_CommaFileOfPlayCounts_ReadsAsHetRecUserArtists()
    {
        // What --file reads is what --hetrec reads: user, item, play count as the weight, repeated pairs added up.
        var folder = Directory.CreateTempSubdirectory("resso-hetrec-");
        try
        {
            var cancellationToken = TestContext.Current.CancellationToken;
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, HetRecLastFm.UserArtistsFile),
                "userID\tartistID\tweight\n2\t51\t13883\n2\t52\t11690\n3\t51\t5\n3\t51\t2\n", cancellationToken);
            var csv = Path.Combine(folder.FullName, "plays.csv");
            await File.WriteAllTextAsync(csv, "user,item,plays\n2,51,13883\n2,52,11690\n3,51,5\n3,51,2\n", cancellationToken);

            var hetrec = (await HetRecLastFm.LoadAsync(folder.FullName, readArtistNames: false, cancellationToken)).Interactions;
            var file = await InteractionFileReader.ReadAsync(csv, cancellationToken: cancellationToken);

            Assert.Equal(hetrec.Users, file.Users);
            Assert.Equal(hetrec.Items, file.Items);
            Assert.Equal(hetrec.UserIndices.ToArray(), file.UserIndices.ToArray());
            Assert.Equal(hetrec.ItemIndices.ToArray(), file.ItemIndices.ToArray());
            Assert.Equal(hetrec.Weights.ToArray(), file.Weights.ToArray());
            Assert.Equal([13883f, 11690f], file.WeightsOf(0).ToArray());
            Assert.Equal([7f], file.WeightsOf(1).ToArray());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task LoadAsync_FolderWithoutUserArtists_ThrowsFileNotFound()
    {
        var folder = Directory.CreateTempSubdirectory("resso-hetrec-");
        try
        {
            await Assert.ThrowsAsync<FileNotFoundException>(() => HetRecLastFm.LoadAsync(folder.FullName, cancellationToken: TestContext.Current.CancellationToken));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
