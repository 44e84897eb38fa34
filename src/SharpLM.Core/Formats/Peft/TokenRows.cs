using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;

namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// The embedding rows a PEFT trainable-tokens adapter replaces: the token ids, ascending as PEFT lists them, and the
/// rows' new values [tokens, hidden_size] (PEFT's trainable_tokens_delta holds values, not differences). They come
/// alone (peft_type TRAINABLE_TOKENS) or beside LoRA's factors (LoRA's trainable_token_indices), under two names.
/// </summary>
public sealed record TokenRows(IReadOnlyList<int> TokenIds, float[] Values)
{
    /// <summary>The tensor of a standalone trainable-tokens adapter (the layer wraps embed_tokens itself).</summary>
    public const string StandaloneTensor = PeftTensorNames.Prefix + "model.embed_tokens.trainable_tokens_delta";

    /// <summary>The tensor beside LoRA's factors (LoRA wraps embed_tokens in a token_adapter).</summary>
    public const string BesideLoraTensor = PeftTensorNames.Prefix + "model.embed_tokens.token_adapter.trainable_tokens_delta";

    /// <summary>The embedding matrix the rows belong to, by its checkpoint name.</summary>
    public const string EmbeddingWeight = "model.embed_tokens.weight";

    /// <summary>Reads and checks the rows stored under <paramref name="tensorName"/>: one row of hidden_size values per listed token, each token inside the vocabulary, all finite.</summary>
    public static TokenRows Read(SafetensorsReader reader, string path, string tensorName, IReadOnlyList<int> tokenIds, IModelConfig baseConfig)
    {
        foreach (int id in tokenIds)
            if (id < 0 || id >= baseConfig.VocabSize)
                throw new SharpLMException($"{path}: trainable token {id} is outside the base model's vocabulary (0–{baseConfig.VocabSize - 1}).");
        if (tokenIds.Distinct().Count() != tokenIds.Count) throw new SharpLMException($"{path}: the trainable tokens list a token twice.");
        float[] values = PeftTensorRead.Float32(reader, path, tensorName, [tokenIds.Count, baseConfig.HiddenSize],
            $"{tokenIds.Count} tokens of hidden_size {baseConfig.HiddenSize} imply", "; the config lists trainable tokens");
        return new TokenRows(tokenIds, values);
    }

    /// <summary>Writes the rows into a row-major embedding matrix [vocab, hidden] (PEFT's merge: index_copy).</summary>
    public void WriteInto(Span<float> embeddings, int hidden)
    {
        for (int i = 0; i < TokenIds.Count; i++) Values.AsSpan(i * hidden, hidden).CopyTo(embeddings.Slice(TokenIds[i] * hidden, hidden));
    }
}
