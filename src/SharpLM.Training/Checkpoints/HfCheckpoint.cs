using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.IO;
using SharpLM.Core.Models;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Checkpoints;

/// <summary>
/// Saves and loads a model in Hugging Face's layout, so transformers' AutoModelForCausalLM.from_pretrained
/// reads the folder as it is:
/// <code>
/// config.json             transformers' config keys (LlamaForCausalLM, Qwen3ForCausalLM, MixtralForCausalLM or GPT2LMHeadModel)
/// model.safetensors       tensors named as in that class, float32 (GPT-2's Conv1D weights transposed to [in, out])
/// tokenizer.json          the tokenizer the model was trained with
/// tokenizer_config.json   tokenizer class and special tokens
/// generation_config.json  bos/eos ids
/// </code>
/// The folder is written into a staging directory and swapped into place, so a crash never leaves a
/// half-written checkpoint and an existing one is replaced only by a complete one.
/// </summary>
public static class HfCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string TokenizerFile = "tokenizer.json";

    public static void Save(CausalLanguageModel model, BpeTokenizer tokenizer, string directory)
    {
        string staging = AtomicDirectory.CreateStaging(directory);
        try
        {
            model.Config.Save(Path.Combine(staging, ConfigFile));
            SafetensorsWriter.Write(Path.Combine(staging, WeightsFile), ExportTensors(model));
            TokenizerJson.Save(tokenizer, Path.Combine(staging, TokenizerFile));
            WriteTokenizerConfig(model.Config, tokenizer, Path.Combine(staging, "tokenizer_config.json"));
            WriteGenerationConfig(model.Config, Path.Combine(staging, "generation_config.json"));
            AtomicDirectory.Publish(staging, directory);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    public static IEnumerable<SafetensorsTensor> ExportTensors(CausalLanguageModel model)
    {
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var detached = parameter.detach();
            using var oriented = model.IsStoredTransposed(name) ? detached.t() : detached.alias();
            using var cpu = oriented.to(CPU).to_type(ScalarType.Float32).contiguous();
            float[] values = cpu.data<float>().ToArray();
            yield return SafetensorsTensor.FromFloat32(name, cpu.shape, values);
        }
    }

    /// <summary>Loads config.json and model.safetensors from a folder; every mismatch names the file and tensor.</summary>
    public static CausalLanguageModel Load(string directory)
    {
        InputFiles.RequireDirectory(directory, "model");
        var config = ModelConfigFile.Load(Path.Combine(directory, ConfigFile));
        var model = CausalLanguageModel.Create(config);
        try
        {
            LoadWeights(model, Path.Combine(directory, WeightsFile));
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    public static void LoadWeights(CausalLanguageModel model, string path)
    {
        using var reader = new SafetensorsReader(path);
        var expected = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var checkpointNames = reader.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal); // parameter name → tensor name
        foreach (var info in reader.Tensors)
        {
            string parameterName = model.ParameterNameFor(info.Name, checkpointNames);
            if (expected.ContainsKey(parameterName)) sources[parameterName] = info.Name;
            else if (!model.IsIgnorableCheckpointTensor(info.Name))
                throw new SharpLMException($"{path}: unexpected tensor '{info.Name}' (not part of a {model.Config.ModelType} model with this config.json).");
        }
        using var noGrad = no_grad();
        foreach (var (name, parameter) in expected)
        {
            if (!sources.TryGetValue(name, out string? tensorName)) throw new SharpLMException($"{path}: tensor '{name}' is missing.");
            var info = reader.GetInfo(tensorName);
            bool transposed = model.IsStoredTransposed(name);
            long[] stored = transposed ? [.. parameter.shape.Reverse()] : parameter.shape;
            if (!info.Shape.SequenceEqual(stored))
                throw new SharpLMException($"{path}: tensor '{tensorName}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", stored)}].");
            using var source = tensor(reader.ReadFloat32(tensorName), stored);
            using var oriented = transposed ? source.t() : source.alias();
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
