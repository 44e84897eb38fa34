using SharpLM.Core;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference.Gpt2;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference;

/// <summary>
/// A model folder loaded for the engine, whatever its family: the weights in memory, and new decoding sessions
/// over them on demand. The family is chosen by config.json's model_type.
/// </summary>
public sealed class EngineModel
{
    private readonly Func<int, IDecoderSession> _newSession;

    public IModelConfig Config { get; }

    /// <summary>The weights of a Llama-family model (which batch sessions run on); null for other families.</summary>
    public LlamaWeights? Llama { get; }

    private EngineModel(IModelConfig config, Func<int, IDecoderSession> newSession, LlamaWeights? llama = null)
    {
        Config = config;
        _newSession = newSession;
        Llama = llama;
    }

    /// <summary>Whether the engine runs models of this config: GPT-2, and the Llama family (llama, qwen3, mixtral).</summary>
    public static bool Supports(IModelConfig config) => config is Gpt2Config or LlamaConfig;

    /// <summary>What <see cref="Supports"/> accepts, for messages.</summary>
    public const string SupportedFamilies = "GPT-2 (gpt2) and Llama-family models (llama, qwen3, mixtral)";

    /// <summary>Reads config.json and model.safetensors from a Hugging Face model folder.</summary>
    public static EngineModel Load(string directory) => Load(ModelFolder.Open(directory));

    /// <param name="adapterDirectory">A PEFT adapter folder (LoRA or prompt tuning) to apply to the weights as they load (<see cref="Adapters.AdapterLoader"/>); null for none.</param>
    public static EngineModel Load(ModelFolder folder, string? adapterDirectory = null)
    {
        if (!Supports(folder.Config))
            throw new SharpLMException($"{folder.ConfigPath}: the inference engine runs {SupportedFamilies}; this is a {folder.Config.ModelType} model.");
        if (folder.Config is Gpt2Config)
        {
            if (adapterDirectory is not null)
                throw new SharpLMException($"{adapterDirectory}: adapters apply to Llama-family models; {folder.ConfigPath} is a GPT-2 model.");
            var weights = Gpt2Weights.Load(folder);
            return new EngineModel(weights.Config, threads => new Gpt2Session(weights, threads));
        }
        var llama = LlamaWeights.Load(folder);
        if (adapterDirectory is not null) Adapters.AdapterLoader.Apply(llama, adapterDirectory);
        return Over(llama);
    }

    /// <summary>
    /// A Llama-family model with a reward model's prompt-tuning adapter (SEQ_CLS: virtual tokens and a scalar head)
    /// applied, for scoring; returns the head [hidden_size] beside it.
    /// </summary>
    public static (EngineModel Model, float[] Head) LoadScoringPrompt(ModelFolder folder, string adapterDirectory)
    {
        if (folder.Config is not LlamaConfig)
            throw new SharpLMException($"{adapterDirectory}: prompt-tuning adapters apply to Llama-family models; {folder.ConfigPath} is a {folder.Config.ModelType} model.");
        var llama = LlamaWeights.Load(folder);
        var adapter = Adapters.PromptTuningLoader.Apply(llama, adapterDirectory, scoring: true);
        return (Over(llama), adapter.Head!);
    }

    private static EngineModel Over(LlamaWeights llama) => new(llama.Config, threads => new LlamaSession(llama, threads), llama);

    /// <summary>A new, empty sequence over these weights (its own KV cache), decoding with <paramref name="threads"/> threads.</summary>
    public IDecoderSession NewSession(int threads) => _newSession(threads);

    /// <summary>A new embedder over these weights with its own session (and KV cache).</summary>
    public TextEmbedder NewEmbedder(int threads) => new(_newSession(threads));
}
