using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace SharpLM.Data.Dedup;

/// <summary>
/// Locality-sensitive hashing over MinHash signatures, streaming: each signature is cut into
/// <see cref="MinHashOptions.Bands"/> bands of <see cref="MinHashOptions.Rows"/> slots, each band hashed to a
/// 64-bit key (XxHash64 of the slots, seeded with the band number). A document sharing any band key with an
/// earlier one is a near-duplicate of that earlier document's representative (the first-added document of its
/// cluster; the lowest-numbered representative when several match). Like datatrove, a candidate is a duplicate
/// without verifying the estimated Jaccard similarity. A duplicate's own band keys are indexed too (pointing
/// to its representative), so clusters grow transitively as datatrove's union-find does; a cluster that is
/// only bridged after both sides were kept stays two clusters, since a kept document cannot be taken back.
/// <para>Memory: O(documents × bands) keys — about 28 bytes per band key (8-byte key, representative number,
/// dictionary entry and bucket), so ~400 bytes per document at 14 bands, plus each id (2 bytes per character +
/// ~30). No text is stored. Not thread-safe: insert from one thread, in a deterministic order.</para>
/// </summary>
public sealed class MinHashLshIndex
{
    private const int BytesPerKey = 28;

    private readonly MinHashOptions _options;
    private readonly Dictionary<ulong, int>[] _bands;
    private readonly List<string> _representatives = new();
    private readonly Dictionary<int, List<string>> _duplicates = new();
    private long _idBytes;

    public MinHashLshIndex(MinHashOptions? options = null)
    {
        _options = options ?? new MinHashOptions();
        _options.Validate();
        _bands = new Dictionary<ulong, int>[_options.Bands];
        for (int i = 0; i < _bands.Length; i++) _bands[i] = new Dictionary<ulong, int>();
    }

    public long Documents { get; private set; }

    public long Duplicates { get; private set; }

    public int Representatives => _representatives.Count;

    /// <summary>
    /// Adds a document. Returns true when it starts a new cluster (keep it); false when it is a near-duplicate,
    /// with <paramref name="duplicateOf"/> the id of its cluster's representative.
    /// </summary>
    public bool TryAdd(string documentId, ReadOnlySpan<ulong> signature, out string? duplicateOf)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        if (signature.Length != _options.SignatureLength)
            throw new ArgumentException($"The signature has {signature.Length} slots; these options need {_options.SignatureLength}.", nameof(signature));
        Span<ulong> keys = stackalloc ulong[_bands.Length];
        int representative = int.MaxValue;
        for (int band = 0; band < _bands.Length; band++)
        {
            keys[band] = BandKey(signature, band, _options.Rows);
            if (_bands[band].TryGetValue(keys[band], out int match) && match < representative) representative = match;
        }
        Documents++;
        _idBytes += 30 + 2L * documentId.Length;
        if (representative == int.MaxValue)
        {
            representative = _representatives.Count;
            _representatives.Add(documentId);
            duplicateOf = null;
        }
        else
        {
            duplicateOf = _representatives[representative];
            if (!_duplicates.TryGetValue(representative, out var list)) _duplicates[representative] = list = new List<string>();
            list.Add(documentId);
            Duplicates++;
        }
        for (int band = 0; band < _bands.Length; band++) _bands[band].TryAdd(keys[band], representative);
        return duplicateOf is null;
    }

    /// <summary>Representative id → ids of its near-duplicates in insertion order, for clusters with at least one duplicate.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Clusters
    {
        get
        {
            var clusters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (representative, duplicates) in _duplicates.OrderBy(p => p.Key))
                clusters[_representatives[representative]] = duplicates.ToArray();
            return clusters;
        }
    }

    /// <summary>An estimate of the memory held: band dictionaries at their capacity plus the ids.</summary>
    public long ApproximateBytes
    {
        get
        {
            long bytes = _idBytes + 8L * _representatives.Capacity;
            foreach (var band in _bands) bytes += (long)band.Capacity * BytesPerKey;
            foreach (var list in _duplicates.Values) bytes += 8L * list.Capacity + 48;
            return bytes;
        }
    }

    /// <summary>The 64-bit key of one band: XxHash64 of its slots' bytes, seeded with the band number.</summary>
    public static ulong BandKey(ReadOnlySpan<ulong> signature, int band, int rows) =>
        XxHash64.HashToUInt64(MemoryMarshal.AsBytes(signature.Slice(band * rows, rows)), band);
}
