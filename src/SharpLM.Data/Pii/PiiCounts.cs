namespace SharpLM.Data.Pii;

/// <summary>Thread-safe replacement counts per <see cref="PiiType"/>, shared by all workers.</summary>
public sealed class PiiCounts
{
    private readonly long[] _counts = new long[PiiTypes.All.Count];

    public void Add(PiiType type, long by = 1) => Interlocked.Add(ref _counts[(int)type], by);

    public long this[PiiType type] => Interlocked.Read(ref _counts[(int)type]);

    public long Total => PiiTypes.All.Sum(t => this[t]);

    /// <summary>Counts keyed by <see cref="PiiTypes.Key"/> (email, phone, ip_address, credit_card, iban, secret), zeros included.</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var copy = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var type in PiiTypes.All) copy[type.Key()] = this[type];
        return copy;
    }
}
