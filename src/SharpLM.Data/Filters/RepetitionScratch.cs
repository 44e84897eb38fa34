using System.IO.Hashing;
using System.Runtime.InteropServices;
using SharpLM.Data.Text;

namespace SharpLM.Data.Filters;

/// <summary>
/// Per-thread working memory of <see cref="GopherRepetitionFilter"/>: pieces (lines, paragraphs) and words are
/// kept as offsets into the document and compared through spans, so counting duplicates allocates no strings;
/// the arrays and hash sets are reused from one document to the next.
/// </summary>
internal sealed class RepetitionScratch
{
    private const ulong Base = 0x9E3779B97F4A7C15UL;

    private string _text = "";
    private int[] _pieceStart = new int[64], _pieceLength = new int[64];
    private int[] _wordStart = new int[256], _wordLength = new int[256];
    private ulong[] _wordHash = new ulong[256];
    private ulong[] _prefixHash = new ulong[257];   // polynomial hash of the first k words
    private long[] _prefixChars = new long[257];    // characters of the first k words
    private readonly HashSet<Piece> _pieces;
    private readonly Dictionary<NGram, int> _nGramCounts;
    private readonly HashSet<NGram> _nGramsSeen;
    private int _n;

    public int PieceCount { get; private set; }
    public int WordCount { get; private set; }

    public RepetitionScratch()
    {
        _pieces = new HashSet<Piece>(new PieceComparer(this));
        var comparer = new NGramComparer(this);
        _nGramCounts = new Dictionary<NGram, int>(comparer);
        _nGramsSeen = new HashSet<NGram>(comparer);
    }

    public void Begin(string text)
    {
        _text = text;
        PieceCount = WordCount = 0;
    }

    /// <summary>Python's <c>re.split(r"\n{2,}", text.strip())</c>.</summary>
    public void SplitParagraphs()
    {
        PieceCount = 0;
        ReadOnlySpan<char> all = _text;
        int begin = 0, end = all.Length;
        while (begin < end && char.IsWhiteSpace(all[begin])) begin++;
        while (end > begin && char.IsWhiteSpace(all[end - 1])) end--;
        int start = begin;
        int i = begin;
        while (i < end)
        {
            if (all[i] == '\n' && i + 1 < end && all[i + 1] == '\n')
            {
                AddPiece(start, i - start);
                while (i < end && all[i] == '\n') i++;
                start = i;
                continue;
            }
            i++;
        }
        AddPiece(start, end - start);
    }

    /// <summary>The text split on runs of '\n', empty pieces dropped.</summary>
    public void SplitLines()
    {
        PieceCount = 0;
        ReadOnlySpan<char> all = _text;
        int start = 0;
        for (int i = 0; i <= all.Length; i++)
        {
            if (i < all.Length && all[i] != '\n') continue;
            if (i > start) AddPiece(start, i - start);
            start = i + 1;
        }
    }

    /// <summary>Occurrences after the first of identical pieces, and their characters.</summary>
    public (int Duplicates, long Characters) CountDuplicatePieces()
    {
        _pieces.Clear();
        int duplicates = 0;
        long characters = 0;
        for (int i = 0; i < PieceCount; i++)
        {
            var piece = new Piece(_pieceStart[i], _pieceLength[i], string.GetHashCode(_text.AsSpan(_pieceStart[i], _pieceLength[i])));
            if (_pieces.Add(piece)) continue;
            duplicates++;
            characters += piece.Length;
        }
        return (duplicates, characters);
    }

    public void TokenizeWords()
    {
        WordCount = 0;
        ReadOnlySpan<char> all = _text;
        int position = 0;
        while (WordTokenizer.Next(all, ref position, out int start, out int length, out _))
        {
            if (WordCount == _wordStart.Length) GrowWords();
            _wordStart[WordCount] = start;
            _wordLength[WordCount] = length;
            ulong hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(all.Slice(start, length)));
            _wordHash[WordCount] = hash;
            _prefixHash[WordCount + 1] = unchecked(_prefixHash[WordCount] * Base + hash);
            _prefixChars[WordCount + 1] = _prefixChars[WordCount] + length;
            WordCount++;
        }
    }

    /// <summary>Characters of the most frequent n-gram (words joined by single spaces) times its count.</summary>
    public double TopNGramChars(int n)
    {
        _n = n;
        ulong power = Power(n);
        _nGramCounts.Clear();
        int last = WordCount - n;
        int best = 0;
        for (int i = 0; i <= last; i++)
        {
            var key = new NGram(i, HashOf(i, n, power));
            ref int count = ref CollectionsMarshal.GetValueRefOrAddDefault(_nGramCounts, key, out _);
            count++;
            if (count > best) best = count;
        }
        // Counter.most_common(1) breaks ties by first insertion: take the earliest n-gram with the top count.
        for (int i = 0; i <= last; i++)
        {
            if (_nGramCounts[new NGram(i, HashOf(i, n, power))] == best) return (double)CharsOf(i, n) * best;
        }
        return 0;
    }

    /// <summary>Characters of repeated n-grams, scanning left to right and jumping n words past each repeat.</summary>
    public double DuplicatedNGramChars(int n)
    {
        _n = n;
        ulong power = Power(n);
        _nGramsSeen.Clear();
        long repeated = 0;
        int i = 0;
        while (i <= WordCount - n)
        {
            if (_nGramsSeen.Add(new NGram(i, HashOf(i, n, power)))) { i++; continue; }
            repeated += CharsOf(i, n);
            i += n;
        }
        return repeated;
    }

    private long CharsOf(int first, int n) => _prefixChars[first + n] - _prefixChars[first] + (n - 1);

    private ulong HashOf(int first, int n, ulong power) => unchecked(_prefixHash[first + n] - _prefixHash[first] * power);

    private static ulong Power(int n)
    {
        ulong power = 1;
        for (int i = 0; i < n; i++) power = unchecked(power * Base);
        return power;
    }

    private void AddPiece(int start, int length)
    {
        if (PieceCount == _pieceStart.Length)
        {
            Array.Resize(ref _pieceStart, PieceCount * 2);
            Array.Resize(ref _pieceLength, PieceCount * 2);
        }
        _pieceStart[PieceCount] = start;
        _pieceLength[PieceCount] = length;
        PieceCount++;
    }

    private void GrowWords()
    {
        int size = _wordStart.Length * 2;
        Array.Resize(ref _wordStart, size);
        Array.Resize(ref _wordLength, size);
        Array.Resize(ref _wordHash, size);
        Array.Resize(ref _prefixHash, size + 1);
        Array.Resize(ref _prefixChars, size + 1);
    }

    private readonly record struct Piece(int Start, int Length, int Hash);

    private readonly record struct NGram(int First, ulong Hash);

    private sealed class PieceComparer(RepetitionScratch owner) : IEqualityComparer<Piece>
    {
        public bool Equals(Piece x, Piece y) =>
            x.Hash == y.Hash && x.Length == y.Length &&
            owner._text.AsSpan(x.Start, x.Length).SequenceEqual(owner._text.AsSpan(y.Start, y.Length));

        public int GetHashCode(Piece piece) => piece.Hash;
    }

    private sealed class NGramComparer(RepetitionScratch owner) : IEqualityComparer<NGram>
    {
        public bool Equals(NGram x, NGram y)
        {
            if (x.Hash != y.Hash) return false;
            for (int k = 0; k < owner._n; k++)
            {
                int a = x.First + k, b = y.First + k;
                if (owner._wordHash[a] != owner._wordHash[b] || owner._wordLength[a] != owner._wordLength[b]) return false;
                if (!owner._text.AsSpan(owner._wordStart[a], owner._wordLength[a]).SequenceEqual(owner._text.AsSpan(owner._wordStart[b], owner._wordLength[b])))
                    return false;
            }
            return true;
        }

        public int GetHashCode(NGram nGram) => (int)(nGram.Hash ^ (nGram.Hash >> 32));
    }
}
