using SharpLM.Core.IO;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Native;

namespace SharpLM.Cli.Stages;

/// <summary>Opens a model folder in Hugging Face layout: the model and its tokenizer.json.</summary>
public static class ModelFolder
{
    public static (CausalLanguageModel Model, BpeTokenizer Tokenizer) Open(string directory)
    {
        InputFiles.RequireDirectory(directory, "model");
        var tokenizer = TokenizerJson.Load(Path.Combine(directory, HfCheckpoint.TokenizerFile));
        TorchRuntime.EnsureLoaded();
        var model = HfCheckpoint.Load(directory);
        if (model.Config.VocabSize < tokenizer.VocabularySize)
        {
            model.Dispose();
            throw new Core.SharpLMException($"{directory}: config.json has vocab_size {model.Config.VocabSize} but tokenizer.json uses {tokenizer.VocabularySize} ids.");
        }
        return (model, tokenizer);
    }
}
