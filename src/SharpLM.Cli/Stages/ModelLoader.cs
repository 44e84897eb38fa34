using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Native;

namespace SharpLM.Cli.Stages;

/// <summary>Loads a <see cref="ModelFolder"/> with its tokenizer.json, for the engine or for TorchSharp.</summary>
public static class ModelLoader
{
    /// <summary>
    /// The model as a decoding session of the pure C# engine (libtorch never loads), for the families
    /// <see cref="EngineModel.Supports"/> accepts.
    /// </summary>
    /// <param name="adapter">A PEFT adapter folder (LoRA merged into the engine's copy of the weights, or prompt tuning); null for none.</param>
    public static (IDecoderSession Session, BpeTokenizer Tokenizer) OpenEngine(string directory, int threads, string? adapter = null) =>
        OpenEngine(ModelFolder.Open(directory), threads, adapter);

    public static (IDecoderSession Session, BpeTokenizer Tokenizer) OpenEngine(ModelFolder folder, int threads, string? adapter = null)
    {
        var tokenizer = ModelFolderTokenizer.Load(folder);
        var model = EngineModel.Load(folder, adapter);
        return (model.NewSession(threads), tokenizer);
    }

    public static (CausalLanguageModel Model, BpeTokenizer Tokenizer) Open(string directory) => Open(ModelFolder.Open(directory));

    public static (CausalLanguageModel Model, BpeTokenizer Tokenizer) Open(ModelFolder folder)
    {
        var tokenizer = ModelFolderTokenizer.Load(folder);
        TorchRuntime.EnsureLoaded();
        return (HfCheckpoint.Load(folder), tokenizer);
    }
}
