using System.Globalization;
using SharpLM.Core;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.PostTraining.Tokens;

/// <summary>Turns --trainable-tokens arguments into token ids: a number is an id; any other text must be one token (a special token such as &lt;|im_end|&gt;, or text that encodes to exactly one token).</summary>
public static class TokenNames
{
    public static int[] Resolve(BpeTokenizer tokenizer, IEnumerable<string> names) => names.Select(name =>
    {
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int id)) return id;
        if (tokenizer.Specials.TryGetValue(name, out int special)) return special;
        var ids = tokenizer.Encode(name, allowSpecial: false);
        return ids.Count == 1 ? ids[0] : throw new SharpLMException($"option '--trainable-tokens': '{name}' is {ids.Count} tokens, not one; give a single token's text or its id.");
    }).ToArray();
}
