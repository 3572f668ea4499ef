using System.Text;
using Resso.Ml.Model;

namespace Resso.Ml.Tests.Model;

public sealed class FactorModelTests
{
    [Fact]
    public void WithoutUser_MiddleUser_LeavesNoTraceAndKeepsEveryoneElse()
    {
        var model = ModelBuilder.Random(users: 3, items: 4);
        var gone = model.Users[1];

        var scrubbed = model.WithoutUser(1);

        Assert.Equal([model.Users[0], model.Users[2]], scrubbed.Users);
        Assert.Equal(model.UserVector(0).ToArray(), scrubbed.UserVector(0).ToArray());
        Assert.Equal(model.UserVector(2).ToArray(), scrubbed.UserVector(1).ToArray());
        Assert.Equal([model.UserBiases[0], model.UserBiases[2]], scrubbed.UserBiases.ToArray());
        Assert.Equal(model.Items, scrubbed.Items);
        Assert.Equal(model.ItemFactors.ToArray(), scrubbed.ItemFactors.ToArray());
        Assert.Equal(model.Score(2, 3), scrubbed.Score(1, 3));
        var bytes = FactorModelSerializer.ToBytes(scrubbed);
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(gone)));
        Assert.Equal(scrubbed.Users, FactorModelSerializer.FromBytes(bytes).Users);
    }
}
