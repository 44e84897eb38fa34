namespace SharpLM.Core.Models.Folder;

/// <summary>The tensor names of one Llama-family decoder layer (transformers' LlamaForCausalLM, Qwen3ForCausalLM, MixtralForCausalLM).</summary>
public sealed record LlamaLayerTensorNames(int Index)
{
    private string Prefix => $"model.layers.{Index}.";
    public string InputNorm => Prefix + "input_layernorm.weight";
    public string Query => Prefix + "self_attn.q_proj.weight";
    public string Key => Prefix + "self_attn.k_proj.weight";
    public string Value => Prefix + "self_attn.v_proj.weight";
    public string Output => Prefix + "self_attn.o_proj.weight";
    public string QueryNorm => Prefix + "self_attn.q_norm.weight";
    public string KeyNorm => Prefix + "self_attn.k_norm.weight";
    public string PostAttentionNorm => Prefix + "post_attention_layernorm.weight";
    public string Gate => Prefix + "mlp.gate_proj.weight";
    public string Up => Prefix + "mlp.up_proj.weight";
    public string Down => Prefix + "mlp.down_proj.weight";
    public string Router => Prefix + "block_sparse_moe.gate.weight";
    public string ExpertGate(int expert) => $"{Prefix}block_sparse_moe.experts.{expert}.w1.weight";
    public string ExpertUp(int expert) => $"{Prefix}block_sparse_moe.experts.{expert}.w3.weight";
    public string ExpertDown(int expert) => $"{Prefix}block_sparse_moe.experts.{expert}.w2.weight";
}

/// <summary>
/// The one table of a Llama-family checkpoint's tensors: names, shapes from config.json, and llama.cpp's GGUF names
/// (dense llama and qwen3 only; Mixtral's experts are not exported). The engine's loader, the GGUF converter, the
/// TorchSharp checkpoint code and the folder check all read it.
/// </summary>
public static class LlamaTensorNames
{
    public const string Embeddings = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string OutputProjection = "lm_head.weight";

    public static LlamaLayerTensorNames Layer(int index) => new(index);

    public static IReadOnlyList<ModelTensor> Table(LlamaConfig config)
    {
        long d = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim;
        long ff = config.IntermediateSize, vocab = config.VocabSize;
        var tensors = new List<ModelTensor> { new(Embeddings, [vocab, d], GgufName: "token_embd.weight") };
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            var n = Layer(i);
            string b = $"blk.{i}.";
            tensors.Add(new(n.InputNorm, [d], GgufName: b + "attn_norm.weight"));
            tensors.Add(new(n.Query, [q, d], GgufName: b + "attn_q.weight"));
            tensors.Add(new(n.Key, [kv, d], GgufName: b + "attn_k.weight"));
            tensors.Add(new(n.Value, [kv, d], GgufName: b + "attn_v.weight"));
            tensors.Add(new(n.Output, [d, q], GgufName: b + "attn_output.weight"));
            if (config.UsesQkNorm)
            {
                tensors.Add(new(n.QueryNorm, [config.HeadDim], GgufName: b + "attn_q_norm.weight"));
                tensors.Add(new(n.KeyNorm, [config.HeadDim], GgufName: b + "attn_k_norm.weight"));
            }
            tensors.Add(new(n.PostAttentionNorm, [d], GgufName: b + "ffn_norm.weight"));
            if (config.IsMixtureOfExperts)
            {
                int experts = config.NumLocalExperts!.Value;
                tensors.Add(new(n.Router, [experts, d]));
                for (int e = 0; e < experts; e++)
                {
                    tensors.Add(new(n.ExpertGate(e), [ff, d]));
                    tensors.Add(new(n.ExpertUp(e), [ff, d]));
                    tensors.Add(new(n.ExpertDown(e), [d, ff]));
                }
            }
            else
            {
                tensors.Add(new(n.Gate, [ff, d], GgufName: b + "ffn_gate.weight"));
                tensors.Add(new(n.Up, [ff, d], GgufName: b + "ffn_up.weight"));
                tensors.Add(new(n.Down, [d, ff], GgufName: b + "ffn_down.weight"));
            }
        }
        tensors.Add(new(FinalNorm, [d], GgufName: "output_norm.weight"));
        if (!config.TieWordEmbeddings) tensors.Add(new(OutputProjection, [vocab, d], GgufName: "output.weight"));
        return tensors;
    }

    /// <summary>Tensors some exports carry that are not weights: rotary frequency buffers, and a duplicated head when embeddings are tied.</summary>
    public static bool IsIgnorable(LlamaConfig config, string name) =>
        name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal) || (name == OutputProjection && config.TieWordEmbeddings);
}
