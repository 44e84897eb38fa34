using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.Models;

namespace SharpLM.Onnx;

/// <summary>
/// The genai_config.json that ONNX Runtime GenAI reads beside the graph: the model's type and shape, its special
/// token ids, the graph's input and output names (the per-layer cache names as printf patterns over the layer) and
/// greedy search defaults bounded by the context.
/// </summary>
public static class GenAiConfig
{
    public const string FileName = "genai_config.json";

    public static JsonObject Build(IModelConfig config, string onnxFileName)
    {
        var (heads, keyValueHeads, headSize) = config switch
        {
            LlamaConfig llama => (llama.NumAttentionHeads, llama.NumKeyValueHeads, llama.HeadDim),
            Gpt2Config gpt2 => (gpt2.Heads, gpt2.Heads, gpt2.Embedding / gpt2.Heads),
            _ => throw new ArgumentException($"no ONNX Runtime GenAI type for model_type '{config.ModelType}'", nameof(config)),
        };
        // GenAI pads batches with pad_token_id; a model without one pads with its end-of-text id, which the mask hides anyway.
        int? pad = (config as LlamaConfig)?.PadTokenId ?? config.EosTokenId;
        var model = new JsonObject
        {
            ["type"] = GenAiType(config),
            ["context_length"] = config.MaxPositionEmbeddings,
            ["vocab_size"] = config.VocabSize,
            ["decoder"] = new JsonObject
            {
                ["filename"] = onnxFileName,
                ["head_size"] = headSize,
                ["hidden_size"] = config.HiddenSize,
                ["num_attention_heads"] = heads,
                ["num_key_value_heads"] = keyValueHeads,
                ["num_hidden_layers"] = config.NumHiddenLayers,
                ["session_options"] = new JsonObject { ["log_id"] = "sharplm", ["provider_options"] = new JsonArray() },
                ["inputs"] = new JsonObject
                {
                    ["input_ids"] = OnnxExport.InputIds,
                    ["attention_mask"] = OnnxExport.AttentionMask,
                    ["position_ids"] = OnnxExport.PositionIds,
                    ["past_key_names"] = LayerPattern(OnnxExport.PastKey),
                    ["past_value_names"] = LayerPattern(OnnxExport.PastValue),
                },
                ["outputs"] = new JsonObject
                {
                    ["logits"] = OnnxExport.Logits,
                    ["present_key_names"] = LayerPattern(OnnxExport.PresentKey),
                    ["present_value_names"] = LayerPattern(OnnxExport.PresentValue),
                },
            },
        };
        if (config.BosTokenId is int bos) model["bos_token_id"] = bos;
        if (config.EosTokenId is int eos) model["eos_token_id"] = eos;
        if (pad is int padId) model["pad_token_id"] = padId;
        return new JsonObject
        {
            ["model"] = model,
            ["search"] = new JsonObject
            {
                ["do_sample"] = false,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["max_length"] = config.MaxPositionEmbeddings,
                ["min_length"] = 0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
                ["temperature"] = 1.0,
                ["repetition_penalty"] = 1.0,
                ["length_penalty"] = 1.0,
                ["no_repeat_ngram_size"] = 0,
                ["diversity_penalty"] = 0.0,
                ["early_stopping"] = true,
                // The graph concatenates past and new keys into a fresh present, so the past and present buffers cannot be one.
                ["past_present_share_buffer"] = false,
            },
        };
    }

    /// <summary>
    /// GenAI's model type. llama and qwen3 are GenAI's own names. Its "gpt2" type expects the cache of each layer as one
    /// combined key/value tensor (past_N), which this graph does not have; its generic "decoder" type takes separate
    /// key and value tensors and runs the GPT-2 graph as it is (positions and mask are fed the same way).
    /// </summary>
    public static string GenAiType(IModelConfig config) => config is Gpt2Config ? "decoder" : config.ModelType;

    public static string ToJson(JsonObject config) => config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>A per-layer name with the layer replaced by %d, as GenAI expands it.</summary>
    private static string LayerPattern(Func<int, string> name)
    {
        string zero = name(0), one = name(1);
        int at = 0;
        while (zero[at] == one[at]) at++;
        return zero[..at] + "%d" + zero[(at + 1)..];
    }
}
