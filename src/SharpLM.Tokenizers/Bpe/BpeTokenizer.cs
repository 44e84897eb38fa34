using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using SharpLM.Core;

namespace SharpLM.Tokenizers.Bpe;

/// <summary>
/// A byte-level BPE tokenizer: a vocabulary of token strings in the GPT-2 byte alphabet, an ordered list of
/// merges, special tokens and a pre-tokenization regex. Encoding splits out special tokens, pre-tokenizes,
/// turns each pre-token into its UTF-8 bytes and repeatedly applies the lowest-ranked merge, which is exactly
/// the procedure of Hugging Face's BPE model and tiktoken, so the same files give the same ids.
///
/// Why not Microsoft.ML.Tokenizers for encoding: its BpeTokenizer applies the same merge rule but measured
/// 5 MB/s here, and its TiktokenTokenizer (18 MB/s on cl100k_base) uses tiktoken's rule, which differs from
/// merge lists for tokenizers not derived from ranks. This encoder, with an allocation-free cache lookup per
/// pre-token, measured 29 MB/s on the same text (see docs/benchmarks.md); the library remains the oracle in tests.
/// </summary>
public sealed class BpeTokenizer
{
    private const int CacheLimit = 1 << 18;

    private readonly Dictionary<string, int> _tokenToId;
    private readonly Dictionary<int, string> _idToToken;
    private readonly Dictionary<long, (int Rank, int Id)> _merges;
    private readonly int[] _byteIds = new int[256];
    private readonly Regex _preTokenizer;
    private readonly SpecialTokenMatcher? _specialSplitter;
    private readonly Dictionary<int, string> _specialById;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> Vocabulary => _tokenToId;
    public IReadOnlyList<(string Left, string Right)> Merges { get; }
    public IReadOnlyDictionary<string, int> Specials { get; }
    public string PreTokenizerPattern { get; }

    /// <summary>One more than the largest id, counting special tokens: the embedding table's row count.</summary>
    public int VocabularySize { get; }

    public BpeTokenizer(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<(string Left, string Right)> merges,
        IReadOnlyDictionary<string, int> specialTokens, string preTokenizerPattern, string origin = "tokenizer")
    {
        _tokenToId = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        _idToToken = new Dictionary<int, string>();
        foreach (var (token, id) in _tokenToId)
        {
            if (id < 0) throw new SharpLMException($"{origin}: field 'model.vocab' gives token '{token}' the negative id {id}.");
            if (!_idToToken.TryAdd(id, token)) throw new SharpLMException($"{origin}: field 'model.vocab' gives id {id} to both '{_idToToken[id]}' and '{token}'.");
        }
        for (int b = 0; b < 256; b++)
        {
            string single = ByteLevelAlphabet.ByteToChar((byte)b).ToString();
            if (!_tokenToId.TryGetValue(single, out _byteIds[b]))
                throw new SharpLMException($"{origin}: field 'model.vocab' lacks the byte token '{single}' (byte 0x{b:X2}); a byte-level BPE vocabulary needs all 256.");
        }

        Merges = merges.ToList();
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!_tokenToId.TryGetValue(left, out int leftId) || !_tokenToId.TryGetValue(right, out int rightId))
                throw new SharpLMException($"{origin}: field 'model.merges' entry {rank} (\"{left} {right}\") uses a token missing from 'model.vocab'.");
            if (!_tokenToId.TryGetValue(left + right, out int mergedId))
                throw new SharpLMException($"{origin}: field 'model.merges' entry {rank} (\"{left} {right}\") produces '{left + right}', which is missing from 'model.vocab'.");
            _merges.TryAdd(PairKey(leftId, rightId), (rank, mergedId));
        }

        Specials = new Dictionary<string, int>(specialTokens, StringComparer.Ordinal);
        _specialById = new Dictionary<int, string>(specialTokens.Count);
        foreach (var (special, id) in specialTokens)
        {
            // An empty special token would match between every two characters and split text into single characters.
            if (special.Length == 0) throw new SharpLMException($"{origin}: special token {id} is empty.");
            if (id < 0) throw new SharpLMException($"{origin}: special token '{special}' has the negative id {id}.");
            // A special token may also be a vocabulary token (one that merges build), but only under the same id.
            if (_idToToken.TryGetValue(id, out string? owner) && owner != special)
                throw new SharpLMException($"{origin}: special token '{special}' has id {id}, which the vocabulary gives to '{owner}'.");
            if (_tokenToId.TryGetValue(special, out int other) && other != id)
                throw new SharpLMException($"{origin}: special token '{special}' (id {id}) is also a vocabulary token with id {other}.");
            if (!_specialById.TryAdd(id, special))
                throw new SharpLMException($"{origin}: special tokens '{_specialById[id]}' and '{special}' share id {id}.");
        }
        if (specialTokens.Count > 0) _specialSplitter = new SpecialTokenMatcher(specialTokens.Keys);
        PreTokenizerPattern = preTokenizerPattern;
        try
        {
            _preTokenizer = PreTokenizerPatterns.Compile(preTokenizerPattern);
        }
        catch (ArgumentException e)
        {
            throw new SharpLMException($"{origin}: the pre-tokenizer pattern is not a valid regular expression ({e.Message}).");
        }
        int maxId = Math.Max(_idToToken.Keys.DefaultIfEmpty(-1).Max(), _specialById.Keys.DefaultIfEmpty(-1).Max());
        VocabularySize = maxId + 1;
        int inUse = new HashSet<int>(_idToToken.Keys.Concat(_specialById.Keys)).Count;
        if (VocabularySize - inUse > Math.Max(SparseGapLimit, inUse))
            SparseIdsWarning = $"{origin}: only {inUse} of the ids 0..{maxId} name a token, so a model built on it gets {VocabularySize} embedding rows, " +
                               $"{VocabularySize - inUse} of them for ids no token has (the largest id is {maxId}, '{IdToToken(maxId)}').";
    }

    /// <summary>Unused ids tolerated without a warning: a trained vocabulary's few, or a model family's padding to a round size.</summary>
    private const int SparseGapLimit = 1024;

    /// <summary>
    /// Set when most ids below the largest name no token (a stray id far above the rest): the embedding table
    /// has a row per id, so such a tokenizer silently builds a model mostly made of unused rows.
    /// </summary>
    public string? SparseIdsWarning { get; }

    /// <summary>
    /// Builds a tokenizer from tiktoken-style ranks (token bytes → rank = id). Ranks carry no merge list, so
    /// merges are derived: every split of a token into two tokens is a merge, ordered by the rank of the
    /// merged token and then by the ranks of its parts. Applying the lowest-ranked merge first then reproduces
    /// tiktoken's rule of joining the adjacent pair whose concatenation has the lowest rank.
    /// </summary>
    public static BpeTokenizer FromRanks(IEnumerable<(byte[] Bytes, int Rank)> ranks, string preTokenizerPattern,
        IReadOnlyDictionary<string, int> specialTokens, string origin)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var tokenByRank = new Dictionary<int, string>();
        foreach (var (bytes, rank) in ranks)
        {
            string token = ByteLevelAlphabet.Encode(bytes);
            if (!vocabulary.TryAdd(token, rank))
                throw new SharpLMException($"{origin}: the token with rank {rank} appears twice.");
            if (!tokenByRank.TryAdd(rank, token))
                throw new SharpLMException($"{origin}: rank {rank} is given to two tokens, '{tokenByRank[rank]}' and '{token}'.");
        }
        var merges = new List<(int Merged, int Left, int Right, string LeftToken, string RightToken)>();
        foreach (var (token, rank) in vocabulary)
        {
            for (int split = 1; split < token.Length; split++)
            {
                string left = token[..split], right = token[split..];
                if (vocabulary.TryGetValue(left, out int leftRank) && vocabulary.TryGetValue(right, out int rightRank))
                    merges.Add((rank, leftRank, rightRank, left, right));
            }
        }
        merges.Sort((a, b) => a.Merged != b.Merged ? a.Merged.CompareTo(b.Merged)
            : a.Left != b.Left ? a.Left.CompareTo(b.Left) : a.Right.CompareTo(b.Right));
        return new BpeTokenizer(vocabulary, merges.Select(m => (m.LeftToken, m.RightToken)).ToList(), specialTokens, preTokenizerPattern, origin);
    }

    /// <summary>
    /// Hugging Face's ignore_merges (Llama 3): a pre-token that is itself in the vocabulary becomes that one
    /// token without applying merges.
    /// </summary>
    public bool IgnoreMerges { get; init; }

    /// <summary>Unicode normalisation applied to ordinary text before pre-tokenization (Qwen2 uses NFC); null for none.</summary>
    public NormalizationForm? Normalization { get; init; }

    /// <summary>Special tokens a post-processor puts before every sequence (Llama 3's &lt;|begin_of_text|&gt;).</summary>
    public IReadOnlyList<string> PrefixTokens { get; init; } = [];

    public int? EndOfTextId => Specials.TryGetValue(SpecialTokens.EndOfText, out int id) ? id : null;

    /// <summary>Encodes text. Special-token strings in the text become their ids when <paramref name="allowSpecial"/> is true.</summary>
    public List<int> Encode(string text, bool allowSpecial = true, bool addPrefix = false)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        if (addPrefix)
            foreach (string token in PrefixTokens)
                ids.Add(Specials.TryGetValue(token, out int id) ? id : throw new SharpLMException($"prefix token '{token}' is not a special token of this tokenizer."));
        if (_specialSplitter is null || !allowSpecial)
        {
            EncodeOrdinary(text, ids);
            return ids;
        }
        int position = 0;
        foreach (var (index, length) in _specialSplitter.Matches(text))
        {
            if (index > position) EncodeOrdinary(text[position..index], ids);
            ids.Add(Specials[text.Substring(index, length)]);
            position = index + length;
        }
        if (position < text.Length) EncodeOrdinary(text[position..], ids);
        return ids;
    }

    /// <summary>
    /// Pre-tokenizes and encodes each piece through a cache of pieces already seen. The cache is looked up with
    /// the matched span, so a hit allocates nothing; text is mostly repeated words, so most pieces hit.
    /// </summary>
    private void EncodeOrdinary(string text, List<int> ids)
    {
        if (Normalization is { } form && !text.IsNormalized(form)) text = text.Normalize(form);
        var lookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var match in _preTokenizer.EnumerateMatches(text))
        {
            var piece = text.AsSpan(match.Index, match.Length);
            if (!lookup.TryGetValue(piece, out int[]? pieceIds))
            {
                string key = piece.ToString();
                pieceIds = EncodePiece(key);
                if (_cache.Count >= CacheLimit) _cache.Clear();
                _cache.TryAdd(key, pieceIds);
            }
            ids.AddRange(pieceIds);
        }
    }

    /// <summary>Applies merges to one pre-token: always the lowest-ranked adjacent pair, all its occurrences at once.</summary>
    private int[] EncodePiece(string piece)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(piece);
        if (IgnoreMerges && _tokenToId.TryGetValue(ByteLevelAlphabet.Encode(bytes), out int whole)) return [whole];
        var symbols = new List<int>(bytes.Length);
        foreach (byte b in bytes) symbols.Add(_byteIds[b]);
        while (symbols.Count > 1)
        {
            int bestRank = int.MaxValue, bestId = -1;
            long bestPair = 0;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (_merges.TryGetValue(PairKey(symbols[i], symbols[i + 1]), out var merge) && merge.Rank < bestRank)
                {
                    bestRank = merge.Rank;
                    bestId = merge.Id;
                    bestPair = PairKey(symbols[i], symbols[i + 1]);
                }
            }
            if (bestId < 0) break;
            int write = 0;
            for (int read = 0; read < symbols.Count; read++)
            {
                if (read + 1 < symbols.Count && PairKey(symbols[read], symbols[read + 1]) == bestPair)
                {
                    symbols[write++] = bestId;
                    read++;
                }
                else symbols[write++] = symbols[read];
            }
            symbols.RemoveRange(write, symbols.Count - write);
        }
        return symbols.ToArray();
    }

    /// <summary>Decodes ids to text; invalid UTF-8 (a token sequence cut inside a character) becomes U+FFFD.</summary>
    public string Decode(IEnumerable<int> ids, bool includeSpecial = true)
    {
        var bytes = new List<byte>();
        foreach (int id in ids) AppendBytes(id, bytes, includeSpecial);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Appends the UTF-8 bytes token <paramref name="id"/> stands for (a special token's text only when <paramref name="includeSpecial"/>).</summary>
    public void AppendBytes(int id, List<byte> bytes, bool includeSpecial = true)
    {
        if (_specialById.TryGetValue(id, out string? special))
        {
            if (includeSpecial) bytes.AddRange(Encoding.UTF8.GetBytes(special));
            return;
        }
        if (!_idToToken.TryGetValue(id, out string? token))
            throw new SharpLMException($"token id {id} is not in the vocabulary (ids 0..{VocabularySize - 1}, {_idToToken.Count + _specialById.Count} in use).");
        if (!ByteLevelAlphabet.TryDecode(token, bytes))
            bytes.AddRange(Encoding.UTF8.GetBytes(token)); // an added token written as plain text
    }

    /// <summary>The token string for an id (byte-level alphabet), or the special token's text.</summary>
    public string IdToToken(int id) =>
        _specialById.TryGetValue(id, out string? special) ? special
        : _idToToken.TryGetValue(id, out string? token) ? token
        : throw new SharpLMException($"token id {id} is not in the vocabulary (ids 0..{VocabularySize - 1}, {_idToToken.Count + _specialById.Count} in use).");

    internal static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;
}
