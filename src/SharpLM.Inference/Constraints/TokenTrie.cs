using System.Text;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Constraints;

/// <summary>
/// Every ordinary token's bytes, decoded once, in a byte trie (first-child / next-sibling arrays). Masking walks
/// the trie together with a matcher state, so a prefix shared by many tokens is checked once and a dead branch
/// discards all tokens below it at the same time.
///
/// Tokens are kept as bytes, not strings, because a byte-level BPE token may hold only part of a UTF-8 character;
/// <see cref="TokenConstraint"/> decodes UTF-8 while it walks and judges an unfinished character by the range
/// of code points its bytes still allow. Special tokens are left out (only end-of-text is ever permitted, and only
/// once the output is complete), as are tokens that decode to nothing.
/// </summary>
public sealed class TokenTrie
{
    private readonly List<int> _firstChild = [-1];
    private readonly List<int> _nextSibling = [-1];
    private readonly List<byte> _byte = [0];
    private readonly List<int> _firstToken = [-1];
    private int[] _nextToken = [];

    public int VocabularySize { get; }
    public int? EndOfTextId { get; }
    public int NodeCount => _byte.Count;
    public int TokenCount { get; private set; }

    /// <summary>The bytes of each ordinary token (empty for special or unknown ids).</summary>
    public byte[][] TokenBytes { get; }

    public TokenTrie(BpeTokenizer tokenizer)
    {
        VocabularySize = tokenizer.VocabularySize;
        EndOfTextId = tokenizer.EndOfTextId;
        TokenBytes = new byte[VocabularySize][];
        _nextToken = Enumerable.Repeat(-1, VocabularySize).ToArray();
        var specialIds = tokenizer.Specials.Values.ToHashSet();
        foreach (var (token, id) in tokenizer.Vocabulary)
        {
            if (specialIds.Contains(id) || id >= VocabularySize) continue;
            var bytes = new List<byte>();
            if (!ByteLevelAlphabet.TryDecode(token, bytes)) bytes.AddRange(Encoding.UTF8.GetBytes(token));
            TokenBytes[id] = bytes.ToArray();
        }
        for (int id = 0; id < VocabularySize; id++)
        {
            TokenBytes[id] ??= [];
            if (TokenBytes[id].Length > 0) Insert(TokenBytes[id], id);
        }
        // The lists are frozen into arrays for the hot loop.
        FirstChild = _firstChild.ToArray();
        NextSibling = _nextSibling.ToArray();
        Byte = _byte.ToArray();
        FirstToken = _firstToken.ToArray();
        NextToken = _nextToken;
    }

    internal int[] FirstChild { get; }
    internal int[] NextSibling { get; }
    internal byte[] Byte { get; }
    internal int[] FirstToken { get; }
    internal int[] NextToken { get; }

    private void Insert(byte[] bytes, int id)
    {
        int node = 0;
        foreach (byte b in bytes)
        {
            int child = _firstChild[node], previous = -1;
            while (child >= 0 && _byte[child] != b)
            {
                previous = child;
                child = _nextSibling[child];
            }
            if (child < 0)
            {
                child = _byte.Count;
                _byte.Add(b);
                _firstChild.Add(-1);
                _nextSibling.Add(-1);
                _firstToken.Add(-1);
                if (previous < 0) _firstChild[node] = child;
                else _nextSibling[previous] = child;
            }
            node = child;
        }
        _nextToken[id] = _firstToken[node];
        _firstToken[node] = id;
        TokenCount++;
    }
}
