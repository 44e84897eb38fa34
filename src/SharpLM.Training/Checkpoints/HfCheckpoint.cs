using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.IO;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Checkpoints;

/// <summary>
/// Saves and loads a TorchSharp model as a <see cref="ModelFolder"/>, so transformers'
/// AutoModelForCausalLM.from_pretrained reads the folder as it is: tensors named and oriented as in
/// <see cref="ModelTensorTable"/> (GPT-2's Conv1D weights transposed to [in, out]), float32.
/// </summary>
public static class HfCheckpoint
{
    public static void Save(CausalLanguageModel model, BpeTokenizer tokenizer, string directory) =>
        ModelFolder.Write(directory, staging =>
        {
            model.Config.Save(Path.Combine(staging, ModelFolder.ConfigFile));
            SafetensorsWriter.Write(Path.Combine(staging, ModelFolder.WeightsFile), ExportTensors(model));
            TokenizerJson.Save(tokenizer, Path.Combine(staging, ModelFolder.TokenizerFile));
            WriteTokenizerConfig(model.Config, tokenizer, Path.Combine(staging, ModelFolder.TokenizerConfigFile));
            WriteGenerationConfig(model.Config, Path.Combine(staging, ModelFolder.GenerationConfigFile));
        });

    public static IEnumerable<SafetensorsTensor> ExportTensors(CausalLanguageModel model)
    {
        var table = ModelTensorTable.For(model.Config);
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var detached = parameter.detach();
            using var oriented = table[name].StoredTransposed ? detached.t() : detached.alias();
            using var cpu = oriented.to(CPU).to_type(ScalarType.Float32).contiguous();
            float[] values = cpu.data<float>().ToArray();
            yield return SafetensorsTensor.FromFloat32(name, cpu.shape, values);
        }
    }

    /// <summary>Loads config.json and model.safetensors from a folder; every mismatch names the file and tensor.</summary>
    public static CausalLanguageModel Load(string directory) => Load(ModelFolder.Open(directory));

    public static CausalLanguageModel Load(ModelFolder folder)
    {
        using var weights = folder.OpenWeights();
        var model = CausalLanguageModel.Create(folder.Config);
        try
        {
            LoadWeights(model, weights);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    /// <summary>Loads a model.safetensors (of a model folder or a training checkpoint) into <paramref name="model"/>, checked against its config first.</summary>
    public static void LoadWeights(CausalLanguageModel model, string path)
    {
        using var weights = ModelWeights.Open(model.Config, path);
        LoadWeights(model, weights);
    }

    /// <summary>Loads every parameter of <paramref name="model"/> from an open model file (buffers, such as a quantized base's codes, are the caller's).</summary>
    public static void LoadWeights(CausalLanguageModel model, ModelWeights weights)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            // The table and the module's parameter names are the same transformers names (a test checks every family).
            var spec = weights.Table[name];
            if (StoredMatrixLayout.IsQuantized(weights.Info(name).DType))
                throw new SharpLMException($"{weights.Path}: tensor '{weights.NameInFile(name)}' is quantized; training and TorchSharp evaluation need float weights (use the folder it was quantized from).");
            using var source = tensor(weights.ReadFloat32(name), spec.Shape);
            using var oriented = spec.StoredTransposed ? source.t() : source.alias();
            parameter.copy_(oriented);
        }
    }

    private static void WriteTokenizerConfig(IModelConfig config, BpeTokenizer tokenizer, string path)
    {
        string? endOfText = tokenizer.EndOfTextId is not null ? SpecialTokens.EndOfText : null;
        var addedTokens = new JsonObject();
        foreach (var (content, id) in tokenizer.Specials.OrderBy(p => p.Value))
            addedTokens[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["content"] = content, ["lstrip"] = false, ["normalized"] = false, ["rstrip"] = false,
                ["single_word"] = false, ["special"] = true,
            };
        var json = new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["model_max_length"] = config.MaxPositionEmbeddings,
            ["bos_token"] = endOfText,
            ["eos_token"] = endOfText,
            ["unk_token"] = null,
            ["pad_token"] = tokenizer.Specials.ContainsKey(SpecialTokens.Padding) ? SpecialTokens.Padding : null,
            ["add_bos_token"] = false,
            ["add_eos_token"] = false,
            ["clean_up_tokenization_spaces"] = false,
            ["added_tokens_decoder"] = addedTokens,
        };
        if (tokenizer.Specials.ContainsKey(SpecialTokens.TurnStart) && tokenizer.Specials.ContainsKey(SpecialTokens.TurnEnd))
            json["chat_template"] = Tokenizers.Chat.ChatTemplate.Jinja;
        AtomicFile.WriteAllText(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static void WriteGenerationConfig(IModelConfig config, string path)
    {
        var json = new JsonObject
        {
            ["bos_token_id"] = config.BosTokenId,
            ["eos_token_id"] = config.EosTokenId,
            ["do_sample"] = true,
            ["temperature"] = 0.8,
            ["top_k"] = 40,
        };
        AtomicFile.WriteAllText(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
