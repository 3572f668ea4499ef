using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Model;

namespace Resso.Ml.Ranking;

/// <summary>
/// The binary form of a pipeline's parts beside the FFM factors (which keep their own blob): mode, ALS song
/// factors and settings, EASE rows, popularity, and the ranker's trees; little-endian, SHA-256 at the end.
/// </summary>
public static class PipelineSerializer
{
    /// <summary>The format version written.</summary>
    public const int FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "RSPL"u8;

    /// <summary>Serializes everything but <see cref="PipelineModel.Ffm"/>.</summary>
    public static byte[] ToBytes(PipelineModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write((int)model.Mode);
            writer.Write(model.CandidatesPerGenerator);
            writer.Write(model.Items.Count);
            Floats(writer, model.Popularity);
            Floats(writer, model.RecentPopularity);

            writer.Write(model.Als is not null);
            if (model.Als is { } als)
            {
                var o = model.AlsOptions!;
                writer.Write(o.Factors);
                writer.Write(o.Iterations);
                writer.Write(o.Regularization);
                writer.Write(o.Alpha);
                writer.Write(o.LogWeights);
                writer.Write(als.LatentDimension);
                Floats(writer, als.ItemFactors);
            }

            writer.Write(model.Ease is not null);
            if (model.Ease is { } ease)
            {
                Ints(writer, ease.Offsets);
                Ints(writer, ease.Targets);
                Floats(writer, ease.Weights);
            }

            writer.Write(model.Ranker is not null);
            if (model.Ranker is { } ranker)
            {
                var a = ranker.Arrays;
                writer.Write(ranker.FeatureCount);
                writer.Write(ranker.Bias);
                writer.Write(ranker.TreeCount);
                Doubles(writer, a.Weights);
                Ints(writer, a.NodeOffsets);
                Ints(writer, a.LeafOffsets);
                Ints(writer, a.Features);
                Floats(writer, a.Thresholds);
                Ints(writer, a.Left);
                Ints(writer, a.Right);
                Doubles(writer, a.Leaves);
            }
        }

        var body = stream.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    /// <summary>Reads a pipeline over <paramref name="ffm"/>'s songs.</summary>
    /// <exception cref="InvalidDataException">The data is not a pipeline, is corrupt, or does not fit <paramref name="ffm"/>.</exception>
    public static PipelineModel FromBytes(ReadOnlySpan<byte> data, FactorModel ffm)
    {
        ArgumentNullException.ThrowIfNull(ffm);
        if (data.Length < Magic.Length + 32 || !data[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a ranking pipeline: the data does not start with the 'RSPL' signature.");
        }

        var body = data[..^32];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(data[^32..]))
        {
            throw new InvalidDataException("The ranking pipeline is corrupt: its checksum does not match.");
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(body.ToArray()));
            reader.ReadBytes(Magic.Length);
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"Ranking pipeline format version {version} is not supported (this reader knows version {FormatVersion}).");
            }

            var mode = (PipelineMode)reader.ReadInt32();
            var candidates = reader.ReadInt32();
            var items = reader.ReadInt32();
            if (items != ffm.ItemCount || !Enum.IsDefined(mode))
            {
                throw new InvalidDataException($"The ranking pipeline covers {items} songs in mode {(int)mode}; the factors hold {ffm.ItemCount}.");
            }

            var popularity = ReadFloats(reader);
            var recent = ReadFloats(reader);
            FactorModel? als = null;
            ImplicitAlsOptions? alsOptions = null;
            if (reader.ReadBoolean())
            {
                alsOptions = new ImplicitAlsOptions
                {
                    Factors = reader.ReadInt32(),
                    Iterations = reader.ReadInt32(),
                    Regularization = reader.ReadSingle(),
                    Alpha = reader.ReadSingle(),
                    LogWeights = reader.ReadBoolean(),
                };
                var d = reader.ReadInt32();
                als = new FactorModel(IdMap.Empty, ffm.Items, d, [], ReadFloats(reader), [], new float[items]);
            }

            ItemNeighbours? ease = null;
            if (reader.ReadBoolean())
            {
                ease = new ItemNeighbours(ReadInts(reader), ReadInts(reader), ReadFloats(reader));
            }

            RankerModel? ranker = null;
            if (reader.ReadBoolean())
            {
                var features = reader.ReadInt32();
                var bias = reader.ReadDouble();
                var used = reader.ReadInt32();
                var full = new RankerModel(features, bias, ReadDoubles(reader), ReadInts(reader), ReadInts(reader), ReadInts(reader), ReadFloats(reader),
                    ReadInts(reader), ReadInts(reader), ReadDoubles(reader));
                ranker = used == full.TrainedTrees ? full : full.Truncate(used);
            }

            return new PipelineModel(ffm.Items, mode, ffm, als, alsOptions, ease, popularity, recent, ranker, candidates);
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or IOException)
        {
            throw new InvalidDataException($"The ranking pipeline is malformed: {ex.Message}", ex);
        }
    }

    private static void Floats(BinaryWriter writer, ReadOnlySpan<float> values)
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    private static void Doubles(BinaryWriter writer, ReadOnlySpan<double> values)
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    private static void Ints(BinaryWriter writer, ReadOnlySpan<int> values)
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    private static float[] ReadFloats(BinaryReader reader) => MemoryMarshal.Cast<byte, float>(ReadBytes(reader, 4)).ToArray();

    private static double[] ReadDoubles(BinaryReader reader) => MemoryMarshal.Cast<byte, double>(ReadBytes(reader, 8)).ToArray();

    private static int[] ReadInts(BinaryReader reader) => MemoryMarshal.Cast<byte, int>(ReadBytes(reader, 4)).ToArray();

    private static byte[] ReadBytes(BinaryReader reader, int size)
    {
        var count = reader.ReadInt32();
        if (count < 0 || (long)count * size > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"The ranking pipeline is truncated: an array of {count} values does not fit.");
        }

        return reader.ReadBytes(count * size);
    }
}
