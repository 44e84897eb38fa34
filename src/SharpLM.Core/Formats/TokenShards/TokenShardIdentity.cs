using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace SharpLM.Core.Formats.TokenShards;

/// <summary>
/// Which token shard a training run reads, recorded in its checkpoints so a resume on other data is refused.
/// The fingerprint is SHA-256 over the file's length, its header and 64 KiB read at 17 evenly spaced places
/// (the last covers the document index): cheap for shards of any size, and two different shards agree on it
/// only by extraordinary coincidence. The path is for messages; a shard may move between runs.
/// </summary>
public sealed record TokenShardIdentity
{
    private const int SampleBytes = 1 << 16;
    private const int Samples = 17;

    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("documents")] public long Documents { get; init; }
    [JsonPropertyName("fingerprint")] public required string Fingerprint { get; init; }

    public static TokenShardIdentity Of(TokenShardReader shard)
    {
        using var file = new FileStream(shard.Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, file.Length);
        hash.AppendData(length);
        byte[] block = new byte[SampleBytes];
        long span = Math.Max(0, file.Length - SampleBytes);
        for (int i = 0; i < Samples; i++)
        {
            file.Position = i == 0 ? 0 : span * i / (Samples - 1);
            int read = file.ReadAtLeast(block, block.Length, throwOnEndOfStream: false);
            hash.AppendData(block, 0, read);
        }
        return new TokenShardIdentity
        {
            Path = System.IO.Path.GetFullPath(shard.Path), Tokens = shard.TokenCount, Documents = shard.DocumentCount,
            Fingerprint = Convert.ToHexStringLower(hash.GetHashAndReset()),
        };
    }

    public bool SameContentAs(TokenShardIdentity other) =>
        Tokens == other.Tokens && Documents == other.Documents && Fingerprint == other.Fingerprint;

    public override string ToString() => $"{Path}: {Tokens:N0} tokens in {Documents:N0} documents, fingerprint {Fingerprint[..12]}";
}
