using SharpLM.Core;
using SharpLM.Core.Formats.Gguf;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Gguf;

/// <summary>
/// A byte-level BPE tokenizer as llama.cpp's "gpt2" tokenizer metadata: tokens by id (byte-alphabet strings,
/// special tokens as text), token types, merges as "left right" strings in rank order, special-token ids, and
/// tokenizer.ggml.pre, the name llama.cpp maps to its built-in pre-tokenizer regex.
/// </summary>
public static class GgufTokenizerMetadata
{
    /// <summary>llama.cpp's token types (llama_token_type).</summary>
    public const int Normal = 1, Control = 3, Unused = 5;

    /// <summary>
    /// The metadata entries for <paramref name="tokenizer"/>. <paramref name="vocabSize"/> is the embedding
    /// table's row count: llama.cpp needs exactly one token per row, so ids the tokenizer never uses get
    /// placeholder tokens "[PAD{id}]" of type UNUSED (token strings must also be unique).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, GgufValue>> Build(BpeTokenizer tokenizer, int vocabSize,
        int? bosId = null, int? eosId = null, int? paddingId = null, string? chatTemplate = null, string origin = "tokenizer")
    {
        if (tokenizer.VocabularySize > vocabSize)
            throw new SharpLMException($"{origin}: the tokenizer uses {tokenizer.VocabularySize} ids but the model has only {vocabSize} embedding rows.");
        string pre = PreTokenizerName(tokenizer, origin);

        var tokens = new string[vocabSize];
        var types = new int[vocabSize];
        foreach (var (token, id) in tokenizer.Vocabulary) { tokens[id] = token; types[id] = Normal; }
        foreach (var (token, id) in tokenizer.Specials) { tokens[id] = token; types[id] = Control; }
        var seen = new HashSet<string>(tokens.Where(t => t is not null), StringComparer.Ordinal);
        for (int id = 0; id < vocabSize; id++)
        {
            if (tokens[id] is not null) continue;
            tokens[id] = $"[PAD{id}]";
            types[id] = Unused;
            if (!seen.Add(tokens[id])) throw new SharpLMException($"{origin}: the vocabulary already has a token '{tokens[id]}', the placeholder for unused id {id}.");
        }
        if (tokens.Any(t => t.Length == 0)) throw new SharpLMException($"{origin}: the vocabulary has an empty token, which llama.cpp cannot load.");

        int? endOfText = tokenizer.EndOfTextId;
        int? padding = paddingId ?? (tokenizer.Specials.TryGetValue(SpecialTokens.Padding, out int pad) ? pad : null);
        // SharpLM models separate documents with <|endoftext|> and add nothing before a prompt, so it serves as
        // both bos and eos (as tokenizer_config.json says); llama.cpp would otherwise assume id 11.
        int? bos = bosId ?? (tokenizer.PrefixTokens.Count > 0 ? tokenizer.Specials[tokenizer.PrefixTokens[0]] : endOfText);
        int? eos = eosId ?? endOfText;

        var metadata = new List<KeyValuePair<string, GgufValue>>
        {
            new("tokenizer.ggml.model", GgufValue.String("gpt2")),
            new("tokenizer.ggml.pre", GgufValue.String(pre)),
            new("tokenizer.ggml.tokens", GgufValue.Array(tokens)),
            new("tokenizer.ggml.token_type", GgufValue.Array(types)),
            new("tokenizer.ggml.merges", GgufValue.Array(tokenizer.Merges.Select(m => $"{m.Left} {m.Right}").ToArray())),
        };
        void PutId(string key, int? id)
        {
            if (id is null) return;
            if (id < 0 || id >= vocabSize) throw new SharpLMException($"{origin}: {key} {id} is outside the vocabulary (0..{vocabSize - 1}).");
            metadata.Add(new(key, GgufValue.UInt32((uint)id.Value)));
        }
        PutId("tokenizer.ggml.bos_token_id", bos);
        PutId("tokenizer.ggml.eos_token_id", eos);
        PutId("tokenizer.ggml.padding_token_id", padding);
        metadata.Add(new("tokenizer.ggml.add_bos_token", GgufValue.Bool(tokenizer.PrefixTokens.Count > 0)));
        metadata.Add(new("tokenizer.ggml.add_eos_token", GgufValue.Bool(false)));
        if (chatTemplate is not null) metadata.Add(new("tokenizer.chat_template", GgufValue.String(chatTemplate)));
        return metadata;
    }

    /// <summary>
    /// The llama.cpp pre-tokenizer whose regex matches ours. llama.cpp has no way to carry a regex in the file:
    /// it knows a fixed list of names and falls back to a different split for unknown ones, so a tokenizer
    /// with any other pattern is refused rather than exported to tokenize differently.
    /// <list type="bullet">
    /// <item>gpt2 → "gpt-2": the same GPT-2 regex;</item>
    /// <item>cl100k → "dbrx": Llama 3's regex (cl100k's, except that runs of newlines are one piece and trailing
    /// whitespace is not split off at the end of the text), applying merges; with ignore_merges (Llama 3's
    /// tokenizer.json) → "llama-bpe", which skips merges for pre-tokens found whole in the vocabulary;</item>
    /// <item>o200k → "gpt-4o": the same regex as ours.</item>
    /// </list>
    /// </summary>
    public static string PreTokenizerName(BpeTokenizer tokenizer, string origin = "tokenizer")
    {
        if (tokenizer.Normalization is { } form)
            throw new SharpLMException($"{origin}: the tokenizer normalises text ({form}) before splitting; llama.cpp's gpt2 tokenizers do not, so GGUF export refuses it.");
        string pattern = tokenizer.PreTokenizerPattern;
        if (pattern == PreTokenizerPatterns.Gpt2 && !tokenizer.IgnoreMerges) return "gpt-2";
        if (pattern == PreTokenizerPatterns.Cl100k) return tokenizer.IgnoreMerges ? "llama-bpe" : "dbrx";
        if (pattern == PreTokenizerPatterns.O200k && !tokenizer.IgnoreMerges) return "gpt-4o";
        throw new SharpLMException($"{origin}: llama.cpp has no pre-tokenizer matching this tokenizer's pattern{(tokenizer.IgnoreMerges ? " with ignore_merges" : "")}; " +
            "GGUF export supports tokenizers trained with the gpt2, cl100k or o200k patterns.");
    }
}
