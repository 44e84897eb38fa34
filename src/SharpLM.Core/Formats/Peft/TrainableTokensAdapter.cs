using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.IO;
using SharpLM.Core.Models;

namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// A standalone PEFT trainable-tokens adapter folder (peft_type TRAINABLE_TOKENS): adapter_config.json listing
/// token_indices for the target embed_tokens, and adapter_model.safetensors holding their rows.
/// </summary>
public static class TrainableTokensAdapter
{
    /// <summary>The keys PEFT's TrainableTokensConfig writes for a causal language model, in its sorted order.</summary>
    public static JsonObject ConfigJson(string baseModel, IReadOnlyList<int> tokenIds) => new()
    {
        ["auto_mapping"] = null,
        ["base_model_name_or_path"] = baseModel,
        ["inference_mode"] = true,
        ["init_weights"] = true,
        ["peft_type"] = PeftAdapterType.TrainableTokens,
        ["revision"] = null,
        ["target_modules"] = new JsonArray("embed_tokens"),
        ["task_type"] = PeftTaskType.CausalLm,
        ["token_indices"] = new JsonArray(tokenIds.Select(i => (JsonNode)JsonValue.Create(i)).ToArray()),
    };

    /// <summary>Writes the folder's two files into <paramref name="directory"/> (which must exist).</summary>
    public static void Write(string directory, string baseModel, IReadOnlyList<int> tokenIds, IEnumerable<SafetensorsTensor> tensors)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, PeftConfigFile.FileName),
            ConfigJson(baseModel, tokenIds).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        SafetensorsWriter.Write(Path.Combine(directory, PeftTensorNames.WeightsFile), tensors);
    }

    public static TokenRows Load(string directory, IModelConfig baseConfig)
    {
        string path = PeftWeightsFile.Require(directory, baseConfig, "trainable-tokens");
        var file = PeftConfigFile.Read(directory);
        if (file.PeftType != PeftAdapterType.TrainableTokens) throw file.Problem("peft_type", $"is '{file.PeftType}'; expected {PeftAdapterType.TrainableTokens}");
        if (file.Json["target_modules"] is { } targets && !TargetsEmbedding(targets))
            throw file.Problem("target_modules", $"is {targets.ToJsonString()}; SharpLM applies trainable tokens to embed_tokens");
        var ids = TokenIndices(file, "token_indices") ?? throw file.Problem("token_indices", "is missing");
        using var reader = new SafetensorsReader(path);
        foreach (var info in reader.Tensors)
            if (info.Name != TokenRows.StandaloneTensor)
                throw new SharpLMException($"{path}: unexpected tensor '{info.Name}' (a trainable-tokens adapter holds only '{TokenRows.StandaloneTensor}').");
        return TokenRows.Read(reader, path, TokenRows.StandaloneTensor, ids, baseConfig);
    }

    /// <summary>
    /// A token list field: a list of ids, or (as LoRA's trainable_token_indices may be) an object mapping the
    /// embedding layer's name to its list; null when absent. Other layers are refused by name.
    /// </summary>
    internal static IReadOnlyList<int>? TokenIndices(PeftConfigFile file, string field)
    {
        switch (file.Json[field])
        {
            case null:
                return null;
            case JsonArray list:
                return Ids(list);
            case JsonObject { Count: 1 } byLayer when byLayer.First().Key.EndsWith("embed_tokens", StringComparison.Ordinal) && byLayer.First().Value is JsonArray layerIds:
                return Ids(layerIds);
            case var other:
                throw file.Problem(field, $"is {other.ToJsonString()}; SharpLM applies trainable tokens of embed_tokens only (a list of token ids)");
        }

        IReadOnlyList<int> Ids(JsonArray list)
        {
            try
            {
                var ids = list.Select(n => n!.GetValue<int>()).ToList();
                return ids.Count > 0 ? ids : throw file.Problem(field, "lists no token");
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            {
                throw file.Problem(field, $"holds something other than token ids ({list.ToJsonString()})");
            }
        }
    }

    private static bool TargetsEmbedding(JsonNode targets) => targets switch
    {
        JsonArray array => array.Count == 1 && array[0]?.GetValue<string>() is { } name && name.EndsWith("embed_tokens", StringComparison.Ordinal),
        JsonValue value => value.GetValue<string>().EndsWith("embed_tokens", StringComparison.Ordinal),
        _ => false,
    };
}
