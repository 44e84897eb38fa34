namespace SharpLM.Core.Formats.TokenShards;

/// <summary>
/// The binary layout of a token shard (".tok"), little-endian:
/// <code>
/// offset  size  field
///      0     8  magic "SLMTOKEN"
///      8     4  version (1)
///     12     4  bytes per token: 2 (uint16, vocabularies up to 65,536) or 4 (uint32)
///     16     8  token count T
///     24     8  document count D
///     32  T*b   token ids
///  32+T*b  D*8  start position (token index) of each document, ascending
/// </code>
/// The fixed 32-byte header keeps the token array aligned, so the file can be memory-mapped and read in place.
/// </summary>
public static class TokenShardFormat
{
    public static ReadOnlySpan<byte> Magic => "SLMTOKEN"u8;
    public const int Version = 1;
    public const int HeaderSize = 32;

    public static int BytesPerTokenFor(int vocabularySize) => vocabularySize <= 65536 ? 2 : 4;
}
