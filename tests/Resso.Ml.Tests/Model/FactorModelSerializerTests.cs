using Resso.Ml.Model;

namespace Resso.Ml.Tests.Model;

public sealed class FactorModelSerializerTests
{
    [Fact]
    public async Task ReadAsync_WrittenModel_RoundTripsExactly()
    {
        var model = ModelBuilder.Random();
        using var stream = new MemoryStream();

        await FactorModelSerializer.WriteAsync(model, stream, TestContext.Current.CancellationToken);
        stream.Position = 0;
        var read = await FactorModelSerializer.ReadAsync(stream, TestContext.Current.CancellationToken);

        Assert.Equal(model.LatentDimension, read.LatentDimension);
        Assert.Equal(model.Users, read.Users);
        Assert.Equal(model.Items, read.Items);
        Assert.Equal(model.UserFactors.ToArray(), read.UserFactors.ToArray());
        Assert.Equal(model.ItemFactors.ToArray(), read.ItemFactors.ToArray());
        Assert.Equal(model.UserBiases.ToArray(), read.UserBiases.ToArray());
        Assert.Equal(model.ItemBiases.ToArray(), read.ItemBiases.ToArray());
    }

    [Fact]
    public async Task LoadAsync_SavedFile_RoundTrips()
    {
        var model = ModelBuilder.Random(users: 2, items: 3);
        var path = Path.Combine(Path.GetTempPath(), $"resso-model-{Guid.NewGuid():N}.bin");
        try
        {
            await FactorModelSerializer.SaveAsync(model, path, TestContext.Current.CancellationToken);
            var read = await FactorModelSerializer.LoadAsync(path, TestContext.Current.CancellationToken);

            Assert.Equal(model.Score(1, 2), read.Score(1, 2));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(20)]
    [InlineData(500)]
    [InlineData(-40)]
    [InlineData(-1)]
    public void FromBytes_FlippedByte_RefusesAsCorrupt(int position)
    {
        var bytes = FactorModelSerializer.ToBytes(ModelBuilder.Random());
        var index = position >= 0 ? position : bytes.Length + position;
        bytes[index] ^= 0x5A;

        var exception = Assert.Throws<InvalidDataException>(() => FactorModelSerializer.FromBytes(bytes));
        Assert.Contains("checksum", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(0.5)]
    public void FromBytes_Truncated_Refuses(double keep)
    {
        var bytes = FactorModelSerializer.ToBytes(ModelBuilder.Random());
        var length = keep <= 1 ? (int)(bytes.Length * keep) : (int)keep;
        length = keep == 1 ? bytes.Length - 1 : length;

        Assert.Throws<InvalidDataException>(() => FactorModelSerializer.FromBytes(bytes.AsSpan(0, length)));
    }

    [Fact]
    public void FromBytes_OtherData_RefusesWithSignatureMessage()
    {
        var exception = Assert.Throws<InvalidDataException>(() => FactorModelSerializer.FromBytes("PK\u0003\u0004 not a model"u8));

        Assert.Contains("signature", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_UnknownVersion_RefusesNamingTheVersion()
    {
        var bytes = FactorModelSerializer.ToBytes(ModelBuilder.Random());
        bytes[4] = 9;

        var exception = Assert.Throws<InvalidDataException>(() => FactorModelSerializer.FromBytes(bytes));
        Assert.Contains("version 9", exception.Message, StringComparison.Ordinal);
    }
}
