using System.Security.Cryptography;
using System.Text;
using SharpLM.Core;

namespace SharpLM.Data.Pipeline;

/// <summary>
/// Mixes sources by repeating or thinning their documents, streaming: each source gets a target share of the
/// output, from explicit weights or from temperature sampling over the sources' sizes (share ∝ size^(1/T)),
/// which turns into a rate r = expected copies of each document = share × total size / source size. A document
/// is written ⌊r⌋ times, plus once more when a hash of (seed, document id) falls below r − ⌊r⌋; so the choice is
/// deterministic, independent of order and of how the work is split, and needs no pass over the data.
/// Sizes are the sources' input bytes, known before reading anything.
/// </summary>
public sealed class SourceMixer
{
    private readonly long _seed;
    private readonly Dictionary<string, double> _rates;

    public SourceMixer(IReadOnlyList<(string Name, long Bytes, double? Weight)> sources, double temperature, long seed)
    {
        _seed = seed;
        int weighted = sources.Count(s => s.Weight is not null);
        if (weighted != 0 && weighted != sources.Count)
            throw new SharpLMException("either every source has a 'weight' or none does (then 'mixing.temperature' sets the shares).");
        double total = sources.Sum(s => (double)s.Bytes);
        var raw = sources.Select(s => s.Weight ?? Math.Pow(Math.Max(s.Bytes, 1), 1 / temperature)).ToArray();
        double rawSum = raw.Sum();
        _rates = new Dictionary<string, double>();
        for (int i = 0; i < sources.Count; i++)
        {
            double share = rawSum == 0 ? 0 : raw[i] / rawSum;
            _rates[sources[i].Name] = sources[i].Bytes == 0 ? 1 : share * total / sources[i].Bytes;
        }
    }

    /// <summary>Expected copies of each document of a source (1 = natural proportion).</summary>
    public double RateOf(string source) => _rates[source];

    public IReadOnlyDictionary<string, double> Rates => _rates;

    /// <summary>How many times the document is written (0 drops it).</summary>
    public int Copies(string source, string documentId)
    {
        double rate = _rates[source];
        int whole = (int)Math.Floor(rate);
        double fraction = rate - whole;
        return fraction > 0 && UnitHash(_seed, documentId) < fraction ? whole + 1 : whole;
    }

    /// <summary>A uniform number in [0, 1) from SHA-256 of (seed, key): stable across runs, machines and .NET versions.</summary>
    public static double UnitHash(long seed, string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\u0000{key}"), hash);
        return (BitConverter.ToUInt64(hash) >> 11) * (1.0 / (1UL << 53));
    }
}
