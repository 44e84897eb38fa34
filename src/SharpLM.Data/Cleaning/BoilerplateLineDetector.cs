using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;

namespace SharpLM.Data.Cleaning;

/// <summary>
/// Finds lines that repeat across many documents of one source (mailing-list footers, legal notices, navigation
/// left in extracted text) and strips them. Two passes: <see cref="Observe"/> every document, <see cref="Freeze"/>,
/// then <see cref="Strip"/> every document. Lines are compared after normalisation (trimmed, whitespace collapsed,
/// lowercase) through 64-bit FNV-1a hashes, each counted at most once per document, so memory grows with the number of
/// distinct lines, not with the corpus; <c>maxDistinctLines</c> caps it (lines first seen after the cap are not
/// counted, so they are never stripped). Short lines ("Thanks,", "}") are never considered: they repeat naturally.
/// <see cref="Observe"/> is thread-safe, and instances observed separately can be combined with <see cref="Merge"/>.
/// </summary>
public sealed class BoilerplateLineDetector
{
    private readonly ConcurrentDictionary<ulong, int> _documentCounts = new();
    private readonly int _minLineCharacters;
    private readonly int _maxDistinctLines;
    private long _documents;
    private long _distinct;
    private FrozenSet<ulong>? _boilerplate;

    /// <param name="minLineCharacters">Normalised lines shorter than this are never boilerplate.</param>
    /// <param name="maxDistinctLines">Upper bound on the distinct lines counted (about 40 bytes each).</param>
    public BoilerplateLineDetector(int minLineCharacters = 8, int maxDistinctLines = 10_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minLineCharacters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDistinctLines);
        _minLineCharacters = minLineCharacters;
        _maxDistinctLines = maxDistinctLines;
    }

    /// <summary>Documents observed so far.</summary>
    public long Documents => Interlocked.Read(ref _documents);

    /// <summary>Distinct lines counted so far.</summary>
    public long DistinctLines => Interlocked.Read(ref _distinct);

    /// <summary>Whether the cap stopped new lines from being counted.</summary>
    public bool CapReached { get; private set; }

    /// <summary>The number of boilerplate lines found by <see cref="Freeze"/>.</summary>
    public int BoilerplateLines => _boilerplate?.Count ?? throw new InvalidOperationException("Freeze has not been called.");

    /// <summary>Pass 1: counts each distinct line of the document once.</summary>
    public void Observe(string text)
    {
        if (_boilerplate is not null) throw new InvalidOperationException("Observe after Freeze.");
        var lines = new HashSet<ulong>();
        foreach (var line in text.AsSpan().EnumerateLines())
            if (Hash(line) is { } hash) lines.Add(hash);
        foreach (ulong hash in lines) Count(hash, 1);
        Interlocked.Increment(ref _documents);
    }

    /// <summary>Adds the counts of another detector that observed other documents of the same source.</summary>
    public void Merge(BoilerplateLineDetector other)
    {
        if (_boilerplate is not null) throw new InvalidOperationException("Merge after Freeze.");
        foreach (var (hash, count) in other._documentCounts) Count(hash, count);
        Interlocked.Add(ref _documents, other.Documents);
        CapReached |= other.CapReached;
    }

    /// <summary>
    /// Adds to a line's document count. The distinct-line total is kept in its own counter because
    /// ConcurrentDictionary.Count takes every lock; under races the cap may be passed by a few entries.
    /// </summary>
    private void Count(ulong hash, int documents)
    {
        if (!_documentCounts.ContainsKey(hash))
        {
            if (Interlocked.Read(ref _distinct) >= _maxDistinctLines)
            {
                CapReached = true;
                return;
            }
            if (_documentCounts.TryAdd(hash, documents))
            {
                Interlocked.Increment(ref _distinct);
                return;
            }
        }
        _documentCounts.AddOrUpdate(hash, documents, (_, count) => count + documents);
    }

    /// <summary>
    /// Ends pass 1: a line is boilerplate when it occurs in at least <paramref name="minDocuments"/> documents and in at
    /// least <paramref name="minFraction"/> of all documents observed. Both must hold, so that a small source does not
    /// lose lines that repeat a few times by chance, and a large one keeps lines common only in absolute numbers.
    /// </summary>
    public void Freeze(int minDocuments = 10, double minFraction = 0.005)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minDocuments);
        if (!(minFraction is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(minFraction));
        double threshold = Math.Max(minDocuments, minFraction * Documents);
        _boilerplate = _documentCounts.Where(pair => pair.Value >= threshold).Select(pair => pair.Key).ToFrozenSet();
        _documentCounts.Clear();
    }

    /// <summary>Pass 2: the text without its boilerplate lines; blank lines left behind collapse to one.</summary>
    public string Strip(string text, out int removedLines)
    {
        var boilerplate = _boilerplate ?? throw new InvalidOperationException("Strip before Freeze.");
        removedLines = 0;
        if (boilerplate.Count == 0) return text;
        var builder = new StringBuilder(text.Length);
        int blankRun = 0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (Hash(line) is { } hash && boilerplate.Contains(hash))
            {
                removedLines++;
                continue;
            }
            bool blank = line.IsWhiteSpace();
            if (blank && (builder.Length == 0 || ++blankRun > 1)) continue;
            if (!blank) blankRun = 0;
            builder.Append(line).Append('\n');
        }
        if (removedLines == 0) return text;
        return builder.ToString().TrimEnd('\n', ' ', '\t', '\r');
    }

    /// <summary>FNV-1a over the normalised line (trimmed, inner whitespace runs as one space, lowercase); null for short lines.</summary>
    private ulong? Hash(ReadOnlySpan<char> line)
    {
        line = line.Trim();
        if (line.Length < _minLineCharacters) return null;
        ulong hash = 14695981039346656037UL;
        int characters = 0;
        bool pendingSpace = false;
        foreach (char raw in line)
        {
            if (char.IsWhiteSpace(raw)) { pendingSpace = true; continue; }
            if (pendingSpace)
            {
                hash = (hash ^ ' ') * 1099511628211UL;
                characters++;
                pendingSpace = false;
            }
            char c = char.ToLowerInvariant(raw);
            hash = (hash ^ (byte)c) * 1099511628211UL;
            hash = (hash ^ (byte)(c >> 8)) * 1099511628211UL;
            characters++;
        }
        return characters < _minLineCharacters ? null : hash;
    }
}
