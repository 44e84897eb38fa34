using SharpLM.Core.IO;
using SharpLM.Core.Models;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Generation;

namespace SharpLM.Cli.Stages;

/// <summary>
/// Generates text from a model folder: with the pure C# engine (KV cache, SIMD, threads; libtorch never loads)
/// for the Llama family it runs, otherwise with the TorchSharp model.
/// </summary>
public static class TextGeneration
{
    /// <param name="onReady">Called once the model is loaded, before the first token (to echo the prompt).</param>
    public static (string Text, string Engine) Generate(string modelDirectory, string prompt, SamplingOptions options, Action<string>? onText = null,
        Action? onReady = null)
    {
        InputFiles.RequireDirectory(modelDirectory, "model");
        var config = ModelConfigFile.Load(Path.Combine(modelDirectory, "config.json"));
        if (config is LlamaConfig { IsMixtureOfExperts: false })
        {
            var tokenizer = TokenizerJson.Load(Path.Combine(modelDirectory, "tokenizer.json"));
            if (config.VocabSize < tokenizer.VocabularySize)
                throw new Core.SharpLMException($"{modelDirectory}: config.json has vocab_size {config.VocabSize} but tokenizer.json uses {tokenizer.VocabularySize} ids.");
            var session = new LlamaSession(LlamaWeights.Load(modelDirectory), Environment.ProcessorCount);
            onReady?.Invoke();
            return (TextGenerator.Generate(new LlamaLogitsSource(session), tokenizer, prompt, options, onText), "SharpLM.Inference");
        }
        var (model, torchTokenizer) = ModelFolder.Open(modelDirectory);
        onReady?.Invoke();
        using (model) return (TorchGenerator.Generate(model, torchTokenizer, prompt, options, onText), "TorchSharp");
    }
}
