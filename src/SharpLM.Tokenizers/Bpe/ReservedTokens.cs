namespace SharpLM.Tokenizers.Bpe;

/// <summary>
/// Placeholder special tokens for ids no token has. Hugging Face tokenizers ignores the ids a tokenizer.json
/// states for added tokens outside the model's vocabulary: each gets the vocabulary's size plus the number of
/// such tokens before it. A file whose ids have gaps (a trained vocabulary that ran out of merges below its
/// special tokens, or cl100k_base's unused ids) therefore loads there with other special-token ids. Filling every
/// gap with a reserved token, as Llama 3 and the Hugging Face ports of OpenAI's encodings do, keeps the ids dense
/// and the same in both.
/// </summary>
public static class ReservedTokens
{
    /// <summary>Reserved tokens are named &lt;|reserved_special_token_N|&gt;, N counting from 0 (Llama 3's names).</summary>
    public static string Name(int n) => $"<|reserved_special_token_{n}|>";

    /// <summary>The special tokens plus a reserved token for every id below the largest that no token has.</summary>
    public static Dictionary<string, int> Fill(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyDictionary<string, int> specials)
    {
        int size = 1 + Math.Max(vocabulary.Values.DefaultIfEmpty(-1).Max(), specials.Values.DefaultIfEmpty(-1).Max());
        var used = new bool[size];
        foreach (int id in vocabulary.Values) used[id] = true;
        foreach (int id in specials.Values) used[id] = true;
        var filled = new Dictionary<string, int>(specials, StringComparer.Ordinal);
        int n = 0;
        for (int id = 0; id < size; id++)
        {
            if (used[id]) continue;
            string name;
            do name = Name(n++); while (vocabulary.ContainsKey(name) || filled.ContainsKey(name));
            filled[name] = id;
        }
        return filled;
    }
}
