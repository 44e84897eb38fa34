namespace SharpLM.Inference.Constraints;

/// <summary>
/// An immutable set of Unicode scalar values kept as sorted, disjoint, non-adjacent inclusive ranges. The
/// universe is every scalar value (U+0000..U+10FFFF without the surrogates U+D800..U+DFFF), because generated text
/// is UTF-8 and surrogate code points have no UTF-8 encoding; so a negated class never admits one.
/// </summary>
public sealed class CodePointSet
{
    public const int MaxCodePoint = 0x10FFFF;

    private readonly (int Low, int High)[] _ranges;

    public CodePointSet(IEnumerable<(int Low, int High)> ranges) => _ranges = Normalize(ranges);

    public static CodePointSet Empty { get; } = new([]);
    public static CodePointSet All { get; } = new([(0, MaxCodePoint)]);

    public static CodePointSet Of(int codePoint) => new([(codePoint, codePoint)]);
    public static CodePointSet Range(int low, int high) => new([(low, high)]);

    public IReadOnlyList<(int Low, int High)> Ranges => _ranges;
    public bool IsEmpty => _ranges.Length == 0;

    public bool Contains(int codePoint)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (codePoint < _ranges[mid].Low) hi = mid - 1;
            else if (codePoint > _ranges[mid].High) lo = mid + 1;
            else return true;
        }
        return false;
    }

    public bool Intersects(int low, int high)
    {
        foreach (var (l, h) in _ranges)
            if (l <= high && h >= low) return true;
        return false;
    }

    public CodePointSet Union(CodePointSet other) => new(_ranges.Concat(other._ranges));

    public CodePointSet Complement()
    {
        var result = new List<(int, int)>();
        int next = 0;
        foreach (var (low, high) in _ranges)
        {
            if (low > next) result.Add((next, low - 1));
            next = high + 1;
        }
        if (next <= MaxCodePoint) result.Add((next, MaxCodePoint));
        return new CodePointSet(result);
    }

    private static (int, int)[] Normalize(IEnumerable<(int Low, int High)> ranges)
    {
        var sorted = ranges.Where(r => r.Low <= r.High).OrderBy(r => r.Low).ToList();
        var merged = new List<(int Low, int High)>();
        foreach (var (low, high) in sorted)
        {
            if (merged.Count > 0 && low <= merged[^1].High + 1)
                merged[^1] = (merged[^1].Low, Math.Max(merged[^1].High, high));
            else merged.Add((low, high));
        }
        // Cut the surrogate block out of the universe.
        var result = new List<(int, int)>();
        foreach (var (low, high) in merged)
        {
            if (high < 0xD800 || low > 0xDFFF) { result.Add((low, high)); continue; }
            if (low < 0xD800) result.Add((low, 0xD7FF));
            if (high > 0xDFFF) result.Add((0xE000, high));
        }
        return result.ToArray();
    }
}
