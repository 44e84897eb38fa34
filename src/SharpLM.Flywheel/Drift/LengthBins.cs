namespace SharpLM.Flywheel.Drift;

/// <summary>
/// Bins for lengths: edges at the reference's deciles (duplicates merged, so few distinct lengths give fewer bins),
/// the first bin open below and the last open above, so every value of either sample lands in one.
/// </summary>
public sealed class LengthBins
{
    private readonly double[] _upper; // inclusive upper edge of each bin but the last

    private LengthBins(double[] upper) => _upper = upper;

    public int Count => _upper.Length + 1;

    public static LengthBins FromDeciles(IReadOnlyList<double> reference)
    {
        var sorted = reference.Order().ToArray();
        var edges = Enumerable.Range(1, 9).Select(k => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(k / 10.0 * sorted.Length) - 1)])
            .Distinct().Where(e => e < sorted[^1]).ToArray();
        return new LengthBins(edges);
    }

    public static LengthBins FromEdges(params double[] upperEdges) => new(upperEdges);

    public int BinOf(double value)
    {
        int bin = Array.BinarySearch(_upper, value);
        return bin >= 0 ? bin : ~bin;
    }

    public int[] Counts(IEnumerable<double> values)
    {
        var counts = new int[Count];
        foreach (double v in values) counts[BinOf(v)]++;
        return counts;
    }

    /// <summary>"≤ 3", "4–7", "> 12" for whole-number lengths.</summary>
    public string Label(int bin) =>
        _upper.Length == 0 ? "all"
        : bin == 0 ? $"<={_upper[0]}"
        : bin == _upper.Length ? $">{_upper[^1]}"
        : _upper[bin - 1] + 1 == _upper[bin] ? $"{_upper[bin]}" : $"{_upper[bin - 1] + 1}-{_upper[bin]}";
}
