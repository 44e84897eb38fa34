using SharpLM.Core.IO;
using SharpLM.Inference;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Native;

namespace SharpLM.Cli.Stages;

/// <summary>Opens a model folder in Hugging Face layout: the model and its tokenizer.json.</summary>
public static class ModelFolder
{
    /// <summary>
    /// The model as a decoding session of the pure C# engine (libtorch never loads), for the families
    /// <see cref="EngineModel.Supports"/> accepts.
    /// </summary>
    public static (IDecoderSession Session, BpeTokenizer Tokenizer) OpenEngine(string directory, int threads)
    {
        InputFiles.RequireDirectory(directory, "model");
        var tokenizer = TokenizerJson.Load(Path.Combine(directory, HfCheckpoint.TokenizerFile));
        var model = EngineModel.Load(directory);
        RequireVocabularyFits(directory, model.Config.VocabSize, tokenizer);
        return (model.NewSession(threads), tokenizer);
    }

    public static (CausalLanguageModel Model, BpeTokenizer Tokenizer) Open(string directory)
    {
        InputFiles.RequireDirectory(directory, "model");
        var tokenizer = TokenizerJson.Load(Path.Combine(directory, HfCheckpoint.TokenizerFile));
        TorchRuntime.EnsureLoaded();
        var model = HfCheckpoint.Load(directory);
        try
        {
            RequireVocabularyFits(directory, model.Config.VocabSize, tokenizer);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (model, tokenizer);
    }

    private static void RequireVocabularyFits(string directory, int vocabSize, BpeTokenizer tokenizer)
    {
        if (vocabSize < tokenizer.VocabularySize)
            throw new Core.SharpLMException($"{directory}: config.json has vocab_size {vocabSize} but tokenizer.json uses {tokenizer.VocabularySize} ids.");
    }
}
