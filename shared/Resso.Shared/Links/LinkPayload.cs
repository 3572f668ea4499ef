using System.Text;

namespace Resso.Shared.Links;

/// <summary>
/// The binary payload of a link token: readable in format version 1, encrypted in version 2. Every field is bounded and every byte
/// is checked on the way in, so that a payload decodes to exactly one set of claims or to nothing.
/// </summary>
/// <remarks>
/// Layout, in order:
/// <list type="number">
/// <item>flags, one byte: bits 0–1 the platform (0 ios, 1 android, 2 web); bit 2 a video id
/// follows; bit 3 a user id; bit 4 an experiment; bit 5 a variant; bit 6 an offer kind; bit 7 zero.</item>
/// <item>offer id, song id, then the video and user ids when flagged: each one length byte and
/// that many ASCII bytes of <c>[A-Za-z0-9_.:-]</c>.</item>
/// <item>region: two ASCII upper-case letters, an assigned ISO 3166-1 code.</item>
/// <item>experiment and variant when flagged, like the ids.</item>
/// <item>the offer kind when flagged: one byte, a defined <see cref="Offers.OfferKind"/>. Tokens
/// made before the kind was carried have bit 6 clear and still decode, with no kind.</item>
/// <item>start offset in ms, issued-at in Unix seconds, lifetime in seconds: unsigned LEB128
/// varints in their shortest form.</item>
/// </list>
/// Nothing may follow the last field.
/// </remarks>
internal static class LinkPayload
{
    /// <summary>The largest payload any valid claims encode to (all strings at their longest).</summary>
    public const int MaxLength = 1 + (1 + LinkClaims.MaxOfferIdLength) + (3 * (1 + LinkClaims.MaxIdLength)) + 2
        + (2 * (1 + LinkClaims.MaxNameLength)) + 1 + MaxVarint32 + MaxVarintSeconds + MaxVarint32;

    private const int MaxVarint32 = 5;
    private const int MaxVarintSeconds = 6;

    private const byte HasVideo = 1 << 2;
    private const byte HasUser = 1 << 3;
    private const byte HasExperiment = 1 << 4;
    private const byte HasVariant = 1 << 5;
    private const byte HasKind = 1 << 6;
    private const byte PlatformMask = 0b11;
    private const byte KnownFlags = PlatformMask | HasVideo | HasUser | HasExperiment | HasVariant | HasKind;

    /// <summary>Unix seconds of 9999-12-31T23:59:59Z, the last instant <see cref="DateTimeOffset"/> holds.</summary>
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>Writes <paramref name="claims"/>, which must be valid and whole seconds, into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes).</summary>
    public static int Write(LinkClaims claims, Span<byte> destination)
    {
        var flags = (byte)claims.Platform;
        flags |= claims.VideoId is null ? (byte)0 : HasVideo;
        flags |= claims.UserId is null ? (byte)0 : HasUser;
        flags |= claims.Experiment is null ? (byte)0 : HasExperiment;
        flags |= claims.Variant is null ? (byte)0 : HasVariant;
        flags |= claims.Kind is null ? (byte)0 : HasKind;

        var position = 0;
        destination[position++] = flags;
        WriteString(claims.OfferId, destination, ref position);
        WriteString(claims.SongId, destination, ref position);
        WriteOptional(claims.VideoId, destination, ref position);
        WriteOptional(claims.UserId, destination, ref position);
        position += Encoding.ASCII.GetBytes(claims.Region, destination[position..]);
        WriteOptional(claims.Experiment, destination, ref position);
        WriteOptional(claims.Variant, destination, ref position);
        if (claims.Kind is { } kind)
        {
            destination[position++] = (byte)kind;
        }

        WriteVarint((ulong)claims.StartMs, destination, ref position);
        var issuedAt = claims.IssuedAt.ToUnixTimeSeconds();
        WriteVarint((ulong)issuedAt, destination, ref position);
        WriteVarint((ulong)(claims.ExpiresAt.ToUnixTimeSeconds() - issuedAt), destination, ref position);
        return position;
    }

    /// <summary>Reads claims from <paramref name="payload"/>; false, never an exception, for anything but an exact encoding.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out LinkClaims? claims)
    {
        claims = null;
        var reader = new Reader(payload);
        if (!reader.TryByte(out var flags) || (flags & ~KnownFlags) != 0 || (flags & PlatformMask) > (byte)Platform.Web)
        {
            return false;
        }

        string? videoId = null, userId = null, experiment = null, variant = null;
        byte kind = 0;
        if (!reader.TryId(LinkClaims.MaxOfferIdLength, out var offerId)
            || !reader.TryId(LinkClaims.MaxIdLength, out var songId)
            || ((flags & HasVideo) != 0 && !reader.TryId(LinkClaims.MaxIdLength, out videoId))
            || ((flags & HasUser) != 0 && !reader.TryId(LinkClaims.MaxIdLength, out userId))
            || !reader.TryRegion(out var region)
            || ((flags & HasExperiment) != 0 && !reader.TryId(LinkClaims.MaxNameLength, out experiment))
            || ((flags & HasVariant) != 0 && !reader.TryId(LinkClaims.MaxNameLength, out variant))
            || ((flags & HasKind) != 0 && (!reader.TryByte(out kind) || !Enum.IsDefined((Offers.OfferKind)kind)))
            || !reader.TryVarint(MaxVarint32, int.MaxValue, out var startMs)
            || !reader.TryVarint(MaxVarintSeconds, (ulong)MaxUnixSeconds, out var issuedAt)
            || !reader.TryVarint(MaxVarint32, (ulong)LinkClaims.MaxLifetime.TotalSeconds, out var lifetime)
            || lifetime == 0
            || issuedAt + lifetime > (ulong)MaxUnixSeconds
            || !reader.AtEnd)
        {
            return false;
        }

        claims = new LinkClaims(
            offerId!,
            songId!,
            videoId,
            userId,
            region!,
            (Platform)(flags & PlatformMask),
            experiment,
            variant,
            (int)startMs,
            DateTimeOffset.FromUnixTimeSeconds((long)issuedAt),
            DateTimeOffset.FromUnixTimeSeconds((long)(issuedAt + lifetime)),
            (flags & HasKind) != 0 ? (Offers.OfferKind)kind : null);
        return true;
    }

    private static void WriteOptional(string? value, Span<byte> destination, ref int position)
    {
        if (value is not null)
        {
            WriteString(value, destination, ref position);
        }
    }

    private static void WriteString(string value, Span<byte> destination, ref int position)
    {
        destination[position++] = (byte)value.Length;
        position += Encoding.ASCII.GetBytes(value, destination[position..]);
    }

    private static void WriteVarint(ulong value, Span<byte> destination, ref int position)
    {
        while (value >= 0x80)
        {
            destination[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[position++] = (byte)value;
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool AtEnd => _position == _data.Length;

        public bool TryByte(out byte value)
        {
            if (_position >= _data.Length)
            {
                value = 0;
                return false;
            }

            value = _data[_position++];
            return true;
        }

        public bool TryId(int maxLength, out string? value)
        {
            value = null;
            if (!TryByte(out var length) || length == 0 || length > maxLength || length > _data.Length - _position)
            {
                return false;
            }

            // Bytes outside ASCII decode to '?', which the id rule refuses.
            var text = Encoding.ASCII.GetString(_data.Slice(_position, length));
            if (!Ids.IsValid(text, maxLength))
            {
                return false;
            }

            _position += length;
            value = text;
            return true;
        }

        public bool TryRegion(out string? region)
        {
            region = null;
            if (_data.Length - _position < 2 || !char.IsAsciiLetterUpper((char)_data[_position]) || !char.IsAsciiLetterUpper((char)_data[_position + 1]))
            {
                return false;
            }

            var code = Encoding.ASCII.GetString(_data.Slice(_position, 2));
            if (!Events.Regions.IsValid(code))
            {
                return false;
            }

            _position += 2;
            region = code;
            return true;
        }

        /// <summary>An unsigned LEB128 varint of at most <paramref name="maxBytes"/> bytes, in its shortest form, not above <paramref name="max"/>.</summary>
        public bool TryVarint(int maxBytes, ulong max, out ulong value)
        {
            value = 0;
            for (var i = 0; i < maxBytes; i++)
            {
                if (!TryByte(out var b))
                {
                    return false;
                }

                value |= (ulong)(b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0)
                {
                    // A zero last byte after the first means the same value had a shorter encoding.
                    return (b != 0 || i == 0) && value <= max;
                }
            }

            return false;
        }
    }
}
