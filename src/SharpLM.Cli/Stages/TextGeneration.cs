using SharpLM.Core.IO;
using SharpLM.Core.Models;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Training.Generation;

namespace SharpLM.Cli.Stages;

/// <summary>
/// Generates text from a model folder: with the pure C# engine (KV cache, SIMD, threads; libtorch never loads)
/// for the families it runs (GPT-2, Llama-family dense), otherwise (mixture-of-experts) with the TorchSharp model.
/// </summary>
public static class TextGeneration
{
    /// <param name="onReady">Called once the model is loaded, before the first token (to echo the prompt).</param>
    public static (string Text, string Engine) Generate(string modelDirectory, string prompt, SamplingOptions options, Action<string>? onText = null,
        Action? onReady = null)
    {
        InputFiles.RequireDirectory(modelDirectory, "model");
        var config = ModelConfigFile.Load(Path.Combine(modelDirectory, "config.json"));
        if (EngineModel.Supports(config))
        {
            var (session, tokenizer) = ModelFolder.OpenEngine(modelDirectory, Environment.ProcessorCount);
            onReady?.Invoke();
            return (TextGenerator.Generate(new SessionLogitsSource(session), tokenizer, prompt, options, onText), "SharpLM.Inference");
        }
        var (model, torchTokenizer) = ModelFolder.Open(modelDirectory);
        onReady?.Invoke();
        using (model) return (TorchGenerator.Generate(model, torchTokenizer, prompt, options, onText), "TorchSharp");
    }
}
