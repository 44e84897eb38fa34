using System.Collections.Concurrent;

namespace SharpLM.Data.Filters;

/// <summary>
/// Thread-safe counts per rule name (documents rejected, lines removed, ...), shared by all workers and
/// written to the manifest from <see cref="Snapshot"/>.
/// </summary>
public sealed class FilterCounters
{
    // A boxed counter per name so the hot path is one dictionary lookup plus an interlocked add, with no
    // closure allocation (ConcurrentDictionary.AddOrUpdate would allocate a delegate per call).
    private sealed class Cell { public long Value; }

    private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

    public void Increment(string rule, long by = 1)
    {
        if (!_cells.TryGetValue(rule, out var cell)) cell = _cells.GetOrAdd(rule, static _ => new Cell());
        Interlocked.Add(ref cell.Value, by);
    }

    /// <summary>Registers names with a zero count so that reports list rules that never fired.</summary>
    public void Register(IEnumerable<string> rules)
    {
        foreach (string rule in rules) _cells.GetOrAdd(rule, static _ => new Cell());
    }

    /// <summary>Records a filter outcome: increments the rejecting rule, or nothing when the document was kept.</summary>
    public void Record(FilterOutcome outcome)
    {
        if (outcome.RejectedBy is { } rule) Increment(rule);
    }

    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var copy = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (rule, cell) in _cells) copy[rule] = Interlocked.Read(ref cell.Value);
        return copy;
    }
}
