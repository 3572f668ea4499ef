using Resso.Shared.Links;
using static Resso.Shared.Tests.Links.LinkTestData;

namespace Resso.Shared.Tests.Links;

public sealed class LinkSignerTests
{
    private const string Base64UrlChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static readonly DateTimeOffset Now = IssuedAt.AddMinutes(1);

    private readonly LinkSigner _signer = Signer("k2026a", "k2026a");

    [Fact]
    public void Verify_TokenJustSigned_IsValidWithTheSameClaims()
    {
        var claims = Claims();

        var verification = _signer.Verify(_signer.Sign(claims), Now);

        Assert.Equal(LinkVerificationStatus.Valid, verification.Status);
        Assert.True(verification.IsValid);
        Assert.Equal(claims, verification.Claims);
    }

    [Fact]
    public void Verify_ClaimsWithoutOptionalFields_RoundTripAsNulls()
    {
        var claims = Claims() with { VideoId = null, UserId = null, Experiment = null, Variant = null, StartMs = 0, Platform = Platform.Ios, Kind = null };

        var verification = _signer.Verify(_signer.Sign(claims), Now);

        Assert.Equal(claims, verification.Claims);
    }

    [Fact]
    public void Sign_TypicalClaims_IsVersion2ShorterThan180UrlSafeCharacters()
    {
        var token = _signer.Sign(Claims());

        // 12 bytes of nonce and 16 of tag around the payload: 172 characters here, against 158 for version 1.
        Assert.True(token.Length < 180, $"{token.Length} characters: {token}");
        Assert.Equal(Uri.EscapeDataString(token), token);
        Assert.StartsWith("2.k2026a.", token, StringComparison.Ordinal);
        Assert.Equal(2, token.Count(c => c == '.'));
    }

    [Fact]
    public void Sign_Version2_RevealsNoIdInTheTokenTextOrItsDecodedBytes()
    {
        var claims = Claims();
        var ids = new[] { claims.UserId!, claims.VideoId!, claims.SongId, claims.OfferId, claims.Experiment!, claims.Variant! };

        var version2 = _signer.Sign(claims);
        var version1 = _signer.SignVersion1(claims);

        // The search finds every id in a version 1 token, so finding none in version 2 means something.
        Assert.All(ids, id => Assert.True(Reveals(version1, id), $"{id} not found in {version1}"));
        Assert.All(ids, id => Assert.False(Reveals(version2, id), $"{id} readable in {version2}"));
        Assert.NotEqual(version2, _signer.Sign(claims)); // a fresh nonce: equal claims do not even look equal
    }

    [Fact]
    public void Verify_Version2ExampleInTheReadme_IsValid()
    {
        // The version 2 example in the links README, made with the development key.
        const string Token = "2.dev.LOqxr89HB-ulAtetEtSRpg3KRkyJEpC8DN8_AGDqY4O627CunKdhRO7wpCe5fXT_XiTZ1b56rTX9pVNMj4rJmfdG-T0UFv6_TZEENPdGW1rfxxd6qu149qCJn5zhGMEaoxRNZU1_V8qW5u8rf9l_lt0EIWJTPOrluGs";
        var signer = new LinkSigner(LinkKeyRing.FromOptions(DevelopmentOptions(), isDevelopment: true));

        var verification = signer.Verify(Token, IssuedAt.AddMinutes(1));

        Assert.Equal(LinkVerificationStatus.Valid, verification.Status);
        Assert.Equal(Claims(), verification.Claims);
        Assert.False(Reveals(Token, Claims().UserId!));
    }

    [Fact]
    public void Sign_LargestClaims_FitsTheLengthLimitAndVerifies()
    {
        var claims = LargestClaims();
        var signer = Signer(new string('k', LinkKeyRing.MaxKeyIdLength), new string('k', LinkKeyRing.MaxKeyIdLength));

        var token = signer.Sign(claims);

        Assert.InRange(token.Length, 1, LinkSigner.MaxTokenLength);
        Assert.Equal(claims, signer.Verify(token, claims.IssuedAt).Claims);
    }

    [Fact]
    public void Verify_TokenMadeBeforeTokensCarriedTheOfferKind_IsValidWithNoKind()
    {
        // The example in the links README, signed with the development key by the first release.
        const string Token = "1.dev.PQxvN0twMnhROWFCM2MOc183SDNrUTl4MkxtUGESdl83MzAxOTM4NDc1NjIwMTgzDXVfOTgyMzQ3NTEwMjNJRAx0cmlhbC1sZW5ndGgEbG9uZ6TuAcCbm9gGgPUk.Xi5jQvmdC8hfkBumuqupLw";
        var signer = new LinkSigner(LinkKeyRing.FromOptions(DevelopmentOptions(), isDevelopment: true));
        Assert.True(LinkPayload.TryRead(System.Buffers.Text.Base64Url.DecodeFromChars(Token.Split('.')[2]), out var decoded));

        var verification = signer.Verify(Token, decoded!.IssuedAt);

        Assert.Equal(LinkVerificationStatus.Valid, verification.Status);
        Assert.Null(verification.Claims!.Kind);
        Assert.Equal(("o7Kp2xQ9aB3c", "trial-length", "long"), (verification.Claims.OfferId, verification.Claims.Experiment, verification.Claims.Variant));
    }

    [Fact]
    public void Sign_FractionalSeconds_AreDropped()
    {
        var claims = Claims() with { IssuedAt = IssuedAt.AddMilliseconds(999), ExpiresAt = IssuedAt.AddDays(7).AddTicks(1) };

        var verified = _signer.Verify(_signer.Sign(claims), Now).Claims;

        Assert.Equal(IssuedAt, verified?.IssuedAt);
        Assert.Equal(IssuedAt.AddDays(7), verified?.ExpiresAt);
    }

    [Fact]
    public void Sign_OffsetTimes_VerifyAsTheSameInstantsInUtc()
    {
        var claims = Claims() with { IssuedAt = IssuedAt.ToOffset(TimeSpan.FromHours(7)), ExpiresAt = IssuedAt.AddDays(1).ToOffset(TimeSpan.FromHours(-5)) };

        var verified = _signer.Verify(_signer.Sign(claims), Now).Claims!;

        Assert.Equal(claims.IssuedAt, verified.IssuedAt);
        Assert.Equal(TimeSpan.Zero, verified.IssuedAt.Offset);
    }

    public static TheoryData<string, LinkClaims> InvalidClaims => new()
    {
        { "offer id of 33 characters", Claims() with { OfferId = new string('o', 33) } },
        { "empty song id", Claims() with { SongId = "" } },
        { "song id with a slash", Claims() with { SongId = "s/1" } },
        { "empty video id", Claims() with { VideoId = "" } },
        { "user id of 65 characters", Claims() with { UserId = new string('u', 65) } },
        { "unassigned region", Claims() with { Region = "XX" } },
        { "lower-case region", Claims() with { Region = "id" } },
        { "undefined platform", Claims() with { Platform = (Platform)7 } },
        { "non-ASCII experiment", Claims() with { Experiment = "tríal" } },
        { "variant of 33 characters", Claims() with { Variant = new string('v', 33) } },
        { "negative start", Claims() with { StartMs = -1 } },
        { "issued before 1970", Claims() with { IssuedAt = DateTimeOffset.UnixEpoch.AddSeconds(-1) } },
        { "expires when issued", Claims() with { ExpiresAt = IssuedAt } },
        { "expires within the same second", Claims() with { ExpiresAt = IssuedAt.AddMilliseconds(900) } },
        { "lives longer than the maximum", Claims() with { ExpiresAt = IssuedAt + LinkClaims.MaxLifetime + TimeSpan.FromSeconds(1) } },
    };

    [Theory]
    [MemberData(nameof(InvalidClaims))]
    public void Sign_InvalidClaims_Throws(string because, LinkClaims claims)
    {
        Assert.Throws<ArgumentException>(() => _signer.Sign(claims));
        Assert.NotEmpty(because);
    }

    [Fact]
    public void Verify_AtExpiry_IsExpiredAndOneSecondBeforeIsValid()
    {
        var token = _signer.Sign(Claims());

        Assert.Equal(LinkVerificationStatus.Valid, _signer.Verify(token, IssuedAt.AddDays(7).AddSeconds(-1)).Status);
        var expired = _signer.Verify(token, IssuedAt.AddDays(7));
        Assert.Equal(LinkVerificationStatus.Expired, expired.Status);
        Assert.Null(expired.Claims);
    }

    [Fact]
    public void Verify_IssuedInTheFuture_IsAcceptedWithinFiveMinutesOfSkewOnly()
    {
        var token = _signer.Sign(Claims());

        Assert.Equal(LinkVerificationStatus.Valid, _signer.Verify(token, IssuedAt - LinkSigner.ClockSkew).Status);
        Assert.Equal(LinkVerificationStatus.NotYetValid, _signer.Verify(token, IssuedAt - LinkSigner.ClockSkew - TimeSpan.FromSeconds(1)).Status);
    }

    [Fact]
    public void Verify_KeyIdNotConfigured_IsUnknownKey()
    {
        var token = Signer("retired", "retired").Sign(Claims());

        Assert.Equal(LinkVerificationStatus.UnknownKey, _signer.Verify(token, Now).Status);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Verify_KeyIdSwappedForAnotherConfiguredKey_IsBadSignature(int version)
    {
        var signer = Signer("k2026a", "k2026a", "k2026bb");
        var token = Sign(signer, Claims(), version);

        var swapped = token.Replace($"{version}.k2026a.", $"{version}.k2026bb.", StringComparison.Ordinal);

        Assert.Equal(LinkVerificationStatus.BadSignature, signer.Verify(swapped, Now).Status);
    }

    [Fact]
    public void Verify_SameKeyIdButAnotherSecret_IsBadSignature()
    {
        var options = Options("k2026a", "k2026a");
        options.Keys["k2026a"] = Secret("impostor");
        var impostor = new LinkSigner(LinkKeyRing.FromOptions(options, isDevelopment: false));

        Assert.Equal(LinkVerificationStatus.BadSignature, _signer.Verify(impostor.Sign(Claims()), Now).Status);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Verify_EveryCharacterReplaced_IsNeverValid(int version)
    {
        var token = Sign(_signer, Claims(), version);
        var replacements = Base64UrlChars + ".=+/ ";
        var checkedTokens = 0;

        for (var position = 0; position < token.Length; position++)
        {
            foreach (var replacement in replacements)
            {
                if (replacement == token[position])
                {
                    continue;
                }

                var tampered = string.Concat(token.AsSpan(0, position), replacement.ToString(), token.AsSpan(position + 1));
                var verification = _signer.Verify(tampered, Now);

                Assert.False(verification.IsValid, $"position {position} → '{replacement}': {tampered}");
                Assert.Null(verification.Claims);
                checkedTokens++;
            }
        }

        Assert.True(checkedTokens > token.Length * 60);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Verify_EveryPayloadAndMacBitFlipped_IsNeverValid(int version)
    {
        var token = Sign(_signer, Claims(), version);
        var parts = token.Split('.');

        // Version 1: payload and MAC; version 2: nonce, ciphertext and tag in one segment.
        foreach (var segment in version == 1 ? new[] { 2, 3 } : [2])
        {
            var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(parts[segment]);
            for (var bit = 0; bit < bytes.Length * 8; bit++)
            {
                var flipped = (byte[])bytes.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                var copy = (string[])parts.Clone();
                copy[segment] = System.Buffers.Text.Base64Url.EncodeToString(flipped);

                var status = _signer.Verify(string.Join('.', copy), Now).Status;
                Assert.NotEqual(LinkVerificationStatus.Valid, status);
                if (version == 2)
                {
                    Assert.Equal(LinkVerificationStatus.BadSignature, status);
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Verify_NonCanonicalBase64Tail_IsMalformed(int version)
    {
        // The last character of a version 1 MAC carries 2 bits of data and 4 unused bits (of a version 2 body here,
        // 122 bytes, 4 and 2); setting an unused bit would decode to the same bytes, so a lenient decoder would accept a second spelling.
        var token = Sign(_signer, Claims(), version);
        var last = Base64UrlChars.IndexOf(token[^1], StringComparison.Ordinal);
        var sameBytes = token[..^1] + Base64UrlChars[last | 1];

        Assert.NotEqual(token, sameBytes);
        Assert.Equal(LinkVerificationStatus.Malformed, _signer.Verify(sameBytes, Now).Status);
    }

    public static TheoryData<string> MalformedTokens
    {
        get
        {
            var token = Signer("k2026a", "k2026a").SignVersion1(Claims());
            var parts = token.Split('.');
            var token2 = Signer("k2026a", "k2026a").Sign(Claims());
            var body = token2.Split('.')[2];
            return new()
            {
                "2.",
                "2.k2026a",
                "2.k2026a.",
                "2..k2026a." + body,
                $"2.k2026a.{body}.",
                $"2.k2026a.{body}.{parts[3]}",
                $"2.{new string('k', 17)}.{body}",
                $"2.k2026a.{body}=",
                "2.k2026a." + body[..40], // shorter than nonce, shortest payload and tag
                "2.k2026a." + new string('A', 470), // longer than the largest payload can make
                "2.k2026a." + new string('A', 10 * 1024),
                "02" + token2[1..],
                token2[..10] + "+" + token2[11..],
                "",
                ".",
                "...",
                "1.k2026a.",
                string.Join('.', parts[..3]),
                token + ".",
                token + ".AAAA",
                "2" + token[1..],
                "01" + token[1..],
                $"1..{parts[2]}.{parts[3]}",
                $"1.{new string('k', 17)}.{parts[2]}.{parts[3]}",
                $"1.k2026a..{parts[3]}",
                $"1.k2026a.{parts[2]}.{parts[3]}A",
                $"1.k2026a.{parts[2]}.{parts[3][..^1]}",
                $"1.k2026a.{parts[2]}A.{parts[3]}",
                $"1.k2026a.{parts[2]}==.{parts[3]}",
                token.Replace('-', '+').Replace('_', '/') + "+/",
                " " + token,
                token + "\n",
                token.Replace("k2026a", "k2026é", StringComparison.Ordinal),
                token[..20] + "\u0000" + token[21..],
                token[..20] + "\uFF21" + token[21..],
                token[..20] + "\uD83D\uDE00" + token[22..],
                new string('A', 10 * 1024),
                "1.k2026a." + new string('A', 10 * 1024) + "." + parts[3],
                "1.k2026a." + new string('A', 600) + "." + parts[3],
            };
        }
    }

    [Theory]
    [MemberData(nameof(MalformedTokens))]
    public void Verify_NotAToken_IsMalformed(string token)
    {
        var verification = _signer.Verify(token, Now);

        Assert.Equal(LinkVerificationStatus.Malformed, verification.Status);
        Assert.Null(verification.Claims);
    }

    [Fact]
    public void Verify_Null_IsMalformed()
    {
        Assert.Equal(LinkVerificationStatus.Malformed, _signer.Verify(null, Now).Status);
    }

    public static TheoryData<string, byte[]> BadPayloads()
    {
        var good = Payload(Claims());
        var data = new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "trailing byte", [.. good, 0] },
            { "truncated", good[..^1] },
            { "unknown flag bit", [(byte)(good[0] | 0x80), .. good[1..]] },
            { "platform 3", [(byte)(good[0] | 0x03), .. good[1..]] },
        };

        var noOptional = Payload(Claims() with { VideoId = null, UserId = null, Experiment = null, Variant = null, Kind = null });
        // noOptional: flags, offer (1+12), song (1+14), region (2), varints.
        var offer = 1;
        var song = offer + 1 + 12;
        var region = song + 1 + 14;
        data.Add("zero-length offer id", [noOptional[0], 0, .. noOptional[(song)..]]);
        data.Add("offer id of 33", [noOptional[0], 33, .. Enumerable.Repeat((byte)'o', 33), .. noOptional[song..]]);
        data.Add("slash in song id", Patch(noOptional, song + 1, (byte)'/'));
        data.Add("non-ASCII byte in song id", Patch(noOptional, song + 1, 0xC3));
        data.Add("song id length past the end", Patch(noOptional, song, 200));
        data.Add("unassigned region", Patch(Patch(noOptional, region, (byte)'X'), region + 1, (byte)'X'));
        data.Add("lower-case region", Patch(Patch(noOptional, region, (byte)'i'), region + 1, (byte)'d'));
        var varints = region + 2;
        data.Add("kind flagged, no kind byte", [(byte)(noOptional[0] | 0x40), .. noOptional[1..]]);
        data.Add("kind 4", [(byte)(noOptional[0] | 0x40), .. noOptional[1..varints], 4, 0, .. Varint(IssuedAt.ToUnixTimeSeconds()), .. Varint(3600)]);
        data.Add("overlong varint for start", [.. noOptional[..varints], 0x80, 0x00, .. Varint(IssuedAt.ToUnixTimeSeconds()), .. Varint(3600)]);
        data.Add("start beyond int", [.. noOptional[..varints], .. Varint((long)int.MaxValue + 1), .. Varint(IssuedAt.ToUnixTimeSeconds()), .. Varint(3600)]);
        data.Add("zero lifetime", [.. noOptional[..varints], 0, .. Varint(IssuedAt.ToUnixTimeSeconds()), 0]);
        data.Add("lifetime beyond the maximum", [.. noOptional[..varints], 0, .. Varint(IssuedAt.ToUnixTimeSeconds()), .. Varint((long)LinkClaims.MaxLifetime.TotalSeconds + 1)]);
        data.Add("issued after year 9999", [.. noOptional[..varints], 0, .. Varint(DateTimeOffset.MaxValue.ToUnixTimeSeconds() + 1), .. Varint(60)]);
        data.Add("expires after year 9999", [.. noOptional[..varints], 0, .. Varint(DateTimeOffset.MaxValue.ToUnixTimeSeconds() - 10), .. Varint(60)]);
        data.Add("ten-byte varint", [.. noOptional[..varints], 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, .. Varint(60)]);
        return data;
    }

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public void Verify_CorrectlySignedPayloadThatDoesNotDecodeExactly_IsMalformed(string because, byte[] payload)
    {
        var token = LinkSigner.SignPayload("k2026a", Convert.FromBase64String(Secret("k2026a")), payload);

        var status = _signer.Verify(token, Now).Status;

        Assert.True(status == LinkVerificationStatus.Malformed, $"{because}: {status}");
    }

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public void Verify_CorrectlyEncryptedPayloadThatDoesNotDecodeExactly_IsMalformed(string because, byte[] payload)
    {
        Assert.True(LinkKeyRing.FromOptions(Options("k2026a", "k2026a"), isDevelopment: false).TryGetEncryptionKey("k2026a", out var key));
        var token = LinkSigner.SealPayload("k2026a", key, payload);

        var status = _signer.Verify(token, Now).Status;

        Assert.True(status == LinkVerificationStatus.Malformed, $"{because}: {status}");
    }

    [Fact]
    public void SealPayload_OfAGoodPayload_VerifiesLikeSign()
    {
        // Guards the test above: the hand-made tokens really are encrypted with the verifier's key.
        Assert.True(LinkKeyRing.FromOptions(Options("k2026a", "k2026a"), isDevelopment: false).TryGetEncryptionKey("k2026a", out var key));

        var token = LinkSigner.SealPayload("k2026a", key, Payload(Claims()));

        Assert.Equal(Claims(), _signer.Verify(token, Now).Claims);
    }

    [Fact]
    public void SignPayload_OfAGoodPayload_VerifiesLikeSign()
    {
        // Guards the test above: the hand-made tokens really are signed with the verifier's key.
        var token = LinkSigner.SignPayload("k2026a", Convert.FromBase64String(Secret("k2026a")), Payload(Claims()));

        Assert.Equal(_signer.SignVersion1(Claims()), token);
        Assert.True(_signer.Verify(token, Now).IsValid);
    }

    [Fact]
    public void Verify_SeededRandomStrings_NeverThrowsAndIsNeverValid()
    {
        var random = new Random(20261125);
        var token = _signer.Sign(Claims());
        var alphabets = new[] { Base64UrlChars + ".", Base64UrlChars + ".=+/ %é\u0000\uFFFF\uD800", "1.k2026a" };
        var statuses = new Dictionary<LinkVerificationStatus, int>();

        for (var i = 0; i < 20_000; i++)
        {
            var candidate = (i % 4) switch
            {
                0 => RandomString(random, alphabets[random.Next(alphabets.Length)], random.Next(0, 600)),
                1 when i % 8 == 1 => "1.k2026a." + RandomString(random, Base64UrlChars, random.Next(0, 400)) + "." + RandomString(random, Base64UrlChars, 22),
                1 => "2.k2026a." + RandomString(random, Base64UrlChars, random.Next(0, 480)),
                2 => Mutate(random, token),
                _ => string.Concat(token.AsSpan(0, random.Next(token.Length)), RandomString(random, alphabets[1], random.Next(0, 40))),
            };

            var verification = _signer.Verify(candidate, Now);

            if (candidate != token)
            {
                Assert.False(verification.IsValid, candidate);
            }

            statuses[verification.Status] = statuses.GetValueOrDefault(verification.Status) + 1;
        }

        // The fuzzing reached past the shape checks, into payload decoding and the MAC.
        Assert.True(statuses.GetValueOrDefault(LinkVerificationStatus.BadSignature) > 100, string.Join(", ", statuses));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Verify_RotatedKeys_OldTokensVerifyWhileTheOldKeyIsConfiguredAndNotAfter(int oldVersion)
    {
        var before = Signer("k2026a", "k2026a");
        var oldToken = Sign(before, Claims(), oldVersion);

        var during = Signer("k2026bb", "k2026a", "k2026bb");
        var newToken = during.Sign(Claims());
        var after = Signer("k2026bb", "k2026bb");

        Assert.StartsWith("2.k2026bb.", newToken, StringComparison.Ordinal);
        Assert.True(during.Verify(oldToken, Now).IsValid);
        Assert.True(during.Verify(newToken, Now).IsValid);
        Assert.True(after.Verify(newToken, Now).IsValid);
        Assert.Equal(LinkVerificationStatus.UnknownKey, after.Verify(oldToken, Now).Status);
    }

    [Fact]
    public void Verify_EveryStatus_IsReachable()
    {
        var token = _signer.Sign(Claims());
        var reached = new HashSet<LinkVerificationStatus>
        {
            _signer.Verify(token, Now).Status,
            _signer.Verify("nonsense", Now).Status,
            _signer.Verify(Signer("other", "other").Sign(Claims()), Now).Status,
            _signer.Verify(token[..^2] + (token[^2] == 'A' ? "BA" : "AA"), Now).Status,
            _signer.Verify(token, IssuedAt.AddDays(8)).Status,
            _signer.Verify(token, IssuedAt.AddHours(-1)).Status,
        };

        Assert.Equal(Enum.GetValues<LinkVerificationStatus>().ToHashSet(), reached);
    }

    private static byte[] Payload(LinkClaims claims)
    {
        var token = Signer("k2026a", "k2026a").SignVersion1(claims);
        return System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[2]);
    }

    private static string Sign(LinkSigner signer, LinkClaims claims, int version) =>
        version == 1 ? signer.SignVersion1(claims) : signer.Sign(claims);

    private static LinkOptions DevelopmentOptions()
    {
        var options = new LinkOptions { SigningKeyId = LinkKeyRing.DevelopmentKeyId, LinkHost = "links.resso.example" };
        options.Keys[LinkKeyRing.DevelopmentKeyId] = "REVWRUxPUE1FTlQtT05MWS1LRVktbmV2ZXItdXNlLWluLXByb2R1Y3Rpb24tMDAwMA==";
        return options;
    }

    /// <summary>
    /// Whether <paramref name="id"/> can be read from <paramref name="token"/>: in its text as is or in hex (any case),
    /// as ASCII in the base64url decoding of any dot-separated part, or as base64url text of the id at any of the
    /// three byte alignments.
    /// </summary>
    private static bool Reveals(string token, string id)
    {
        var ascii = System.Text.Encoding.ASCII.GetBytes(id);
        if (token.Contains(id, StringComparison.OrdinalIgnoreCase) || token.Contains(Convert.ToHexString(ascii), StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var part in token.Split('.'))
        {
            // Whole quads: a trailing partial group may carry non-zero unused bits (the key id), which the decoder refuses.
            var whole = part.AsSpan(0, part.Length / 4 * 4);
            if (System.Buffers.Text.Base64Url.DecodeFromChars(whole).AsSpan().IndexOf(ascii) >= 0)
            {
                return true;
            }
        }

        for (var offset = 0; offset < 3; offset++)
        {
            // The id behind `offset` other bytes: the characters that depend on the id's bytes alone.
            var encoded = System.Buffers.Text.Base64Url.EncodeToString([.. new byte[offset], .. ascii]);
            var core = encoded[((offset * 4 / 3) + 1)..^2];
            if (core.Length >= 8 && token.Contains(core, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Patch(byte[] bytes, int index, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] = value;
        return copy;
    }

    private static byte[] Varint(long value)
    {
        var bytes = new List<byte>();
        var v = (ulong)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }

        bytes.Add((byte)v);
        return [.. bytes];
    }

    private static string RandomString(Random random, string alphabet, int length) =>
        string.Create(length, (random, alphabet), static (span, state) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = state.alphabet[state.random.Next(state.alphabet.Length)];
            }
        });

    private static string Mutate(Random random, string token)
    {
        var chars = token.ToCharArray().ToList();
        for (var edits = random.Next(1, 4); edits > 0; edits--)
        {
            var at = random.Next(chars.Count);
            switch (random.Next(3))
            {
                case 0:
                    chars[at] = Base64UrlChars[random.Next(Base64UrlChars.Length)];
                    break;
                case 1:
                    chars.RemoveAt(at);
                    break;
                default:
                    chars.Insert(at, Base64UrlChars[random.Next(Base64UrlChars.Length)]);
                    break;
            }
        }

        return new string([.. chars]);
    }
}
