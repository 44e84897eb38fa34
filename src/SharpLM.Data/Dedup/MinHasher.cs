using System.IO.Hashing;
using System.Runtime.InteropServices;
using SharpLM.Data.Text;

namespace SharpLM.Data.Dedup;

/// <summary>
/// MinHash signatures of documents. The text is normalised (<see cref="NormalizedWords"/>: lowercase,
/// punctuation removed, whitespace collapsed), cut into shingles of <see cref="MinHashOptions.ShingleWords"/>
/// consecutive words (a text with fewer words is one shingle of all of them; a text with no words gets the
/// all-max signature, so empty texts cluster together), and each shingle is hashed with XxHash64 seeded by
/// <see cref="MinHashOptions.Seed"/>. Slot j of the signature is the minimum over shingles of
/// (a_j · h + b_j) mod (2^61 − 1), with a_j, b_j drawn from a SplitMix64 stream of the seed: the same seed gives
/// the same signatures on every machine and run. Thread-safe (per-thread scratch).
/// </summary>
public sealed class MinHasher
{
    public const ulong MersennePrime = (1UL << 61) - 1;

    private readonly MinHashOptions _options;
    private readonly ulong[] _a;
    private readonly ulong[] _b;

    [ThreadStatic] private static NormalizedWords? t_words;

    public MinHasher(MinHashOptions? options = null)
    {
        _options = options ?? new MinHashOptions();
        _options.Validate();
        int length = _options.SignatureLength;
        _a = new ulong[length];
        _b = new ulong[length];
        ulong state = _options.Seed;
        for (int j = 0; j < length; j++)
        {
            do _a[j] = SplitMix64(ref state) & MersennePrime; while (_a[j] == 0 || _a[j] == MersennePrime);
            do _b[j] = SplitMix64(ref state) & MersennePrime; while (_b[j] == MersennePrime);
        }
    }

    public MinHashOptions Options => _options;

    public int SignatureLength => _a.Length;

    public ulong[] Signature(string text)
    {
        var signature = new ulong[SignatureLength];
        Signature(text, signature);
        return signature;
    }

    public void Signature(ReadOnlySpan<char> text, Span<ulong> output)
    {
        if (output.Length != _a.Length) throw new ArgumentException($"The signature needs {_a.Length} slots, got {output.Length}.", nameof(output));
        output.Fill(ulong.MaxValue);
        var words = t_words ??= new NormalizedWords();
        words.Load(text);
        if (words.Count == 0) return;
        int k = Math.Min(_options.ShingleWords, words.Count);
        long seed = unchecked((long)_options.Seed);
        ReadOnlySpan<ulong> a = _a, b = _b;
        for (int first = 0; first + k <= words.Count; first++)
        {
            ulong h = XxHash64.HashToUInt64(MemoryMarshal.AsBytes(words.Span(first, k)), seed);
            h = (h & MersennePrime) + (h >> 61);
            if (h >= MersennePrime) h -= MersennePrime;
            for (int j = 0; j < output.Length; j++)
            {
                ulong value = Permute(a[j], b[j], h);
                if (value < output[j]) output[j] = value;
            }
        }
    }

    /// <summary>The fraction of equal slots: an unbiased estimate of the shingle-set Jaccard similarity.</summary>
    public static double EstimatedJaccard(ReadOnlySpan<ulong> first, ReadOnlySpan<ulong> second)
    {
        if (first.Length != second.Length) throw new ArgumentException("Signatures of different lengths cannot be compared.");
        int equal = 0;
        for (int i = 0; i < first.Length; i++)
            if (first[i] == second[i]) equal++;
        return (double)equal / first.Length;
    }

    /// <summary>(a · h + b) mod 2^61 − 1 for a, b, h below the prime, using the Mersenne fold instead of a division.</summary>
    internal static ulong Permute(ulong a, ulong b, ulong h)
    {
        ulong high = Math.BigMul(a, h, out ulong low);
        ulong value = (low & MersennePrime) + ((low >> 61) | (high << 3));
        value += b;
        value = (value & MersennePrime) + (value >> 61);
        return value >= MersennePrime ? value - MersennePrime : value;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
