using SharpLM.Core;

namespace SharpLM.Inference.Constraints;

/// <summary>
/// Token-level masking for a character-level matcher. Tokens are byte strings (see <see cref="TokenTrie"/>);
/// this class decodes UTF-8 as it walks them. A complete code point is handed to the matcher; an unfinished
/// one (a token that stops inside a multi-byte character) is kept only if the matcher accepts some code point in
/// the range its bytes still allow. That test is exact: every byte is a token of a byte-level vocabulary, so the
/// character can always be finished with a code point the matcher accepts. Invalid UTF-8 (stray continuation
/// bytes, overlong forms, surrogates) is never allowed, so the output always decodes cleanly.
/// </summary>
public sealed class TokenConstraint : ITokenConstraint
{
    private const int CacheLimit = 512;

    private readonly TokenTrie _trie;
    private readonly bool[] _allowed;
    private readonly Dictionary<CharState, ulong[]> _cache = new(ReferenceEqualityComparer.Instance);
    private CharState _state;
    private Utf8Pending _pending;

    public TokenConstraint(TokenTrie trie, CharState start)
    {
        _trie = trie;
        _state = start;
        _allowed = new bool[trie.VocabularySize];
    }

    public bool IsComplete => _pending.Remaining == 0 && _state.IsComplete;
    public bool CanContinue => _pending.Remaining > 0 || _state.CanContinue;

    /// <summary>The matcher state after the tokens so far (at the last whole code point).</summary>
    public CharState State => _state;

    public void Mask(Span<float> logits)
    {
        // A shared state reached again (the regex DFA interns its states) reuses the set computed before.
        bool cacheable = _pending.Remaining == 0 && _state.IsShared;
        if (cacheable && _cache.TryGetValue(_state, out var bits))
        {
            ApplyBits(logits, bits);
            return;
        }
        Array.Clear(_allowed);
        Walk(0, _state, _pending);
        if (_trie.EndOfTextId is int end && end < _allowed.Length) _allowed[end] = IsComplete;
        if (cacheable && _cache.Count < CacheLimit)
        {
            bits = new ulong[(_allowed.Length + 63) / 64];
            for (int i = 0; i < _allowed.Length; i++)
                if (_allowed[i]) bits[i >> 6] |= 1UL << (i & 63);
            _cache[_state] = bits;
        }
        for (int i = 0; i < logits.Length; i++)
            if (i >= _allowed.Length || !_allowed[i]) logits[i] = float.NegativeInfinity;
    }

    private static void ApplyBits(Span<float> logits, ulong[] bits)
    {
        for (int i = 0; i < logits.Length; i++)
            if ((i >> 6) >= bits.Length || (bits[i >> 6] & (1UL << (i & 63))) == 0) logits[i] = float.NegativeInfinity;
    }

    private void Walk(int node, CharState state, Utf8Pending pending)
    {
        int[] firstChild = _trie.FirstChild, nextSibling = _trie.NextSibling, firstToken = _trie.FirstToken, nextToken = _trie.NextToken;
        for (int child = firstChild[node]; child >= 0; child = nextSibling[child])
        {
            var p = pending;
            if (Feed(state, ref p, _trie.Byte[child]) is not { } next) continue;
            for (int token = firstToken[child]; token >= 0; token = nextToken[token]) _allowed[token] = true;
            if (firstChild[child] >= 0) Walk(child, next, p);
        }
    }

    public void Advance(int token)
    {
        if (token == _trie.EndOfTextId)
        {
            if (!IsComplete) throw new SharpLMException("end-of-text chosen before the constrained output is complete.");
            return;
        }
        var bytes = (uint)token < (uint)_trie.TokenBytes.Length ? _trie.TokenBytes[token] : [];
        if (bytes.Length == 0) throw new SharpLMException($"token {token} is not allowed by the output constraint.");
        var state = _state;
        var pending = _pending;
        foreach (byte b in bytes)
            state = Feed(state, ref pending, b) ?? throw new SharpLMException($"token {token} is not allowed by the output constraint.");
        _state = state;
        _pending = pending;
    }

    /// <summary>A UTF-8 character in progress: the bits read so far, the continuation bytes still due, and its total length.</summary>
    private readonly record struct Utf8Pending(int Bits, int Remaining, int Length);

    /// <summary>Feeds one byte: returns the matcher state after it (unchanged while a character is unfinished) or null when it cannot lead to a valid output.</summary>
    private static CharState? Feed(CharState state, ref Utf8Pending pending, byte b)
    {
        if (pending.Remaining == 0)
        {
            if (b < 0x80) return state.Step(b);
            pending = b switch
            {
                >= 0xC2 and <= 0xDF => new Utf8Pending(b & 0x1F, 1, 2),
                >= 0xE0 and <= 0xEF => new Utf8Pending(b & 0x0F, 2, 3),
                >= 0xF0 and <= 0xF4 => new Utf8Pending(b & 0x07, 3, 4),
                _ => default,
            };
            if (pending.Remaining == 0) return null;
        }
        else
        {
            if (b is < 0x80 or > 0xBF) return null;
            pending = pending with { Bits = (pending.Bits << 6) | (b & 0x3F), Remaining = pending.Remaining - 1 };
        }
        int shift = 6 * pending.Remaining;
        int low = Math.Max(pending.Bits << shift, pending.Length switch { 2 => 0x80, 3 => 0x800, _ => 0x10000 });
        int high = Math.Min((pending.Bits << shift) | ((1 << shift) - 1), CodePointSet.MaxCodePoint);
        if (low > high || (low >= 0xD800 && high <= 0xDFFF)) return null;
        if (pending.Remaining == 0)
        {
            int codePoint = pending.Bits;
            pending = default;
            return state.Step(codePoint);
        }
        return state.AcceptsAnyIn(low, high) ? state : null;
    }
}
