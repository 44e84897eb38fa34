namespace SharpLM.Core.Models.Folder;

/// <summary>The tensor names of one GPT-2 block (transformers' GPT2LMHeadModel).</summary>
public sealed record Gpt2LayerTensorNames(int Index)
{
    private string Prefix => $"{Gpt2TensorNames.Prefix}h.{Index}.";
    public string AttentionNormGain => Prefix + "ln_1.weight";
    public string AttentionNormBias => Prefix + "ln_1.bias";
    public string QueryKeyValue => Prefix + "attn.c_attn.weight";
    public string QueryKeyValueBias => Prefix + "attn.c_attn.bias";
    public string AttentionOutput => Prefix + "attn.c_proj.weight";
    public string AttentionOutputBias => Prefix + "attn.c_proj.bias";
    public string FeedForwardNormGain => Prefix + "ln_2.weight";
    public string FeedForwardNormBias => Prefix + "ln_2.bias";
    public string FeedForwardUp => Prefix + "mlp.c_fc.weight";
    public string FeedForwardUpBias => Prefix + "mlp.c_fc.bias";
    public string FeedForwardDown => Prefix + "mlp.c_proj.weight";
    public string FeedForwardDownBias => Prefix + "mlp.c_proj.bias";
}

/// <summary>
/// The one table of a GPT-2 checkpoint's tensors. Names carry transformers' "transformer." prefix; the original
/// GPT-2 exports omit it, which <see cref="ModelWeights"/> accepts. Hugging Face stores the four projections as
/// Conv1D weights, [in, out], so they are marked as stored transposed.
/// </summary>
public static class Gpt2TensorNames
{
    public const string Prefix = "transformer.";
    public const string TokenEmbeddings = Prefix + "wte.weight";
    public const string PositionEmbeddings = Prefix + "wpe.weight";
    public const string FinalNormGain = Prefix + "ln_f.weight";
    public const string FinalNormBias = Prefix + "ln_f.bias";

    public static Gpt2LayerTensorNames Layer(int index) => new(index);

    public static IReadOnlyList<ModelTensor> Table(Gpt2Config config)
    {
        long d = config.Embedding, ff = config.InnerSize;
        var tensors = new List<ModelTensor> { new(TokenEmbeddings, [config.VocabSize, d]), new(PositionEmbeddings, [config.Positions, d]) };
        for (int i = 0; i < config.Layers; i++)
        {
            var n = Layer(i);
            tensors.Add(new(n.AttentionNormGain, [d]));
            tensors.Add(new(n.AttentionNormBias, [d]));
            tensors.Add(new(n.QueryKeyValue, [d, 3 * d], StoredTransposed: true));
            tensors.Add(new(n.QueryKeyValueBias, [3 * d]));
            tensors.Add(new(n.AttentionOutput, [d, d], StoredTransposed: true));
            tensors.Add(new(n.AttentionOutputBias, [d]));
            tensors.Add(new(n.FeedForwardNormGain, [d]));
            tensors.Add(new(n.FeedForwardNormBias, [d]));
            tensors.Add(new(n.FeedForwardUp, [d, ff], StoredTransposed: true));
            tensors.Add(new(n.FeedForwardUpBias, [ff]));
            tensors.Add(new(n.FeedForwardDown, [ff, d], StoredTransposed: true));
            tensors.Add(new(n.FeedForwardDownBias, [d]));
        }
        tensors.Add(new(FinalNormGain, [d]));
        tensors.Add(new(FinalNormBias, [d]));
        return tensors;
    }

    /// <summary>Attention-mask buffers some exports include, and the head GPT2LMHeadModel ties to wte.</summary>
    public static bool IsIgnorable(string name) =>
        name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal) || name == "lm_head.weight";
}
