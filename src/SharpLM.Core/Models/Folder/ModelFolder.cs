using SharpLM.Core.IO;

namespace SharpLM.Core.Models.Folder;

/// <summary>
/// A model folder in Hugging Face's layout, the one owner of its file names, of reading config.json (once, validated)
/// and of writing a folder atomically:
/// <code>
/// config.json             transformers' config keys (LlamaForCausalLM, Qwen3ForCausalLM, MixtralForCausalLM or GPT2LMHeadModel)
/// model.safetensors       tensors named as in that class (<see cref="ModelTensorTable"/>), checked by <see cref="ModelWeights"/>
/// tokenizer.json          the tokenizer the model was trained with
/// tokenizer_config.json   tokenizer class, special tokens, chat template
/// generation_config.json  bos/eos ids and sampling defaults
/// </code>
/// </summary>
public sealed class ModelFolder
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string TokenizerFile = "tokenizer.json";
    public const string TokenizerConfigFile = "tokenizer_config.json";
    public const string GenerationConfigFile = "generation_config.json";

    public string Directory { get; }
    public IModelConfig Config { get; }

    private ModelFolder(string directory, IModelConfig config)
    {
        Directory = directory;
        Config = config;
    }

    public string ConfigPath => Path.Combine(Directory, ConfigFile);
    public string WeightsPath => Path.Combine(Directory, WeightsFile);
    public string TokenizerPath => Path.Combine(Directory, TokenizerFile);
    public string TokenizerConfigPath => Path.Combine(Directory, TokenizerConfigFile);

    /// <summary>Opens a folder and reads its config.json; <paramref name="role"/> names the folder in messages ("model", "draft model").</summary>
    public static ModelFolder Open(string directory, string role = "model")
    {
        InputFiles.RequireDirectory(directory, role);
        return new ModelFolder(directory, ModelConfigFile.Load(Path.Combine(directory, ConfigFile)));
    }

    /// <summary>model.safetensors, checked against config.json (see <see cref="ModelWeights"/>).</summary>
    public ModelWeights OpenWeights() => ModelWeights.Open(Config, WeightsPath);

    /// <summary>The config as a <typeparamref name="T"/>, or one line saying which families <paramref name="purpose"/> supports.</summary>
    public T RequireFamily<T>(string purpose, string families) where T : class, IModelConfig =>
        Config as T ?? throw new SharpLMException($"{ConfigPath}: {purpose} supports {families}; this is a {Config.ModelType} model.");

    /// <summary>
    /// Writes a model folder whole: <paramref name="fill"/> writes the files into a staging folder beside
    /// <paramref name="directory"/>, which then replaces it; if anything fails, the staging folder is removed and an
    /// existing folder is left as it was.
    /// </summary>
    public static void Write(string directory, Action<string> fill) => AtomicDirectory.Write(directory, fill);

    /// <summary>The files of <paramref name="source"/> other than config.json and weights, copied into <paramref name="staging"/> (tokenizer and generation settings travel with a converted model).</summary>
    public static void CopyCompanionFiles(string source, string staging)
    {
        foreach (string file in System.IO.Directory.GetFiles(source))
        {
            string name = Path.GetFileName(file);
            if (name == ConfigFile || name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".safetensors.index.json", StringComparison.Ordinal)) continue;
            File.Copy(file, Path.Combine(staging, name));
        }
    }
}
