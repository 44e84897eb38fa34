using SharpLM.Core.IO;
using SharpLM.Core.Models;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Generation;

namespace SharpLM.Cli.Stages;

/// <summary>A smaller model that proposes tokens for speculative decoding, and how many per round.</summary>
public sealed record DraftModel(string Directory, int Tokens);

/// <summary>
/// What a generation produced: the text and the engine; on the C# engine also the tokens (with log-probabilities
/// when asked) and the tokenizer that reads them, and speculative statistics when a draft ran.
/// </summary>
public sealed record TextGenerationOutcome(string Text, string Engine, GenerationResult? Details = null, BpeTokenizer? Tokenizer = null,
    SpeculativeStatistics? Speculation = null);

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
        var outcome = Run(modelDirectory, prompt, options, onText, onReady);
        return (outcome.Text, outcome.Engine);
    }

    /// <param name="draft">Run speculative decoding with this draft model (C# engine only).</param>
    public static TextGenerationOutcome Run(string modelDirectory, string prompt, SamplingOptions options, Action<string>? onText = null,
        Action? onReady = null, DraftModel? draft = null)
    {
        InputFiles.RequireDirectory(modelDirectory, "model");
        var config = ModelConfigFile.Load(Path.Combine(modelDirectory, "config.json"));
        if (config is LlamaConfig { IsMixtureOfExperts: false })
        {
            var tokenizer = TokenizerJson.Load(Path.Combine(modelDirectory, "tokenizer.json"));
            if (config.VocabSize < tokenizer.VocabularySize)
                throw new Core.SharpLMException($"{modelDirectory}: config.json has vocab_size {config.VocabSize} but tokenizer.json uses {tokenizer.VocabularySize} ids.");
            var session = new LlamaSession(LlamaWeights.Load(modelDirectory), Environment.ProcessorCount);
            var promptIds = tokenizer.Encode(prompt);
            if (promptIds.Count == 0 && tokenizer.EndOfTextId is int start) promptIds.Add(start); // an empty prompt starts a new document
            if (draft is null)
            {
                onReady?.Invoke();
                var plain = TextGenerator.Generate(new LlamaLogitsSource(session), tokenizer, promptIds, options, onText);
                return new(plain.Text, "SharpLM.Inference", plain, tokenizer);
            }
            var decoder = new SpeculativeDecoder(session, new LlamaSession(LoadDraft(draft.Directory, config.VocabSize), Environment.ProcessorCount), options, draft.Tokens);
            onReady?.Invoke();
            var (result, statistics) = SpeculativeTextGenerator.Generate(decoder, tokenizer, promptIds, onText);
            return new(result.Text, "SharpLM.Inference (speculative)", result, tokenizer, statistics);
        }
        if (draft is not null || options.LogProbabilities is not null)
            throw new Core.SharpLMException($"{modelDirectory}: speculative decoding and log-probabilities run on the C# engine, which supports Llama-family dense models (llama, qwen3).");
        var (model, torchTokenizer) = ModelFolder.Open(modelDirectory);
        onReady?.Invoke();
        using (model) return new(TorchGenerator.Generate(model, torchTokenizer, prompt, options, onText), "TorchSharp");
    }

    private static LlamaWeights LoadDraft(string directory, int vocabulary)
    {
        InputFiles.RequireDirectory(directory, "draft model");
        var weights = LlamaWeights.Load(directory);
        if (weights.Config.VocabSize != vocabulary)
            throw new Core.SharpLMException($"{Path.Combine(directory, "config.json")}: the draft's vocab_size is {weights.Config.VocabSize} but the model's is {vocabulary}; a draft must share the model's tokenizer.");
        return weights;
    }
}
