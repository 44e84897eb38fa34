using System.Security.Cryptography;
using System.Text;

namespace SharpLM.Data.Dedup;

/// <summary>
/// Drops documents whose cleaned text was seen before. Keeps a set of 128-bit text hashes (16 bytes per
/// distinct document), never the texts.
/// </summary>
public sealed class ExactDeduplicator
{
    private readonly HashSet<UInt128> _seen = new();

    public int Duplicates { get; private set; }

    /// <summary>Distinct texts seen so far.</summary>
    public int Count => _seen.Count;

    /// <summary>The first 128 bits of the SHA-256 of the text's UTF-8 bytes: thread-safe, so callers may hash in parallel.</summary>
    public static UInt128 KeyOf(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return new UInt128(BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]));
    }

    /// <summary>True the first time a text is offered, false for every exact repeat.</summary>
    public bool IsFirstOccurrence(string text) => IsFirstOccurrence(KeyOf(text));

    /// <summary>True the first time a key (from <see cref="KeyOf"/>) is offered, false for every repeat.</summary>
    public bool IsFirstOccurrence(UInt128 key)
    {
        if (_seen.Add(key)) return true;
        Duplicates++;
        return false;
    }
}
