using SharpLM.Core.IO;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;

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
/// Generates text from a model folder with the pure C# engine (KV cache, SIMD, threads; libtorch never loads),
/// which runs every family the trainer builds.
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
        var (session, tokenizer) = ModelFolder.OpenEngine(modelDirectory, Environment.ProcessorCount);
        var promptIds = PromptIds(tokenizer, prompt, session.MaxPositions);
        if (draft is null)
        {
            onReady?.Invoke();
            var plain = TextGenerator.Generate(new SessionLogitsSource(session), tokenizer, promptIds, options, onText);
            return new(plain.Text, "SharpLM.Inference", plain, tokenizer);
        }
        var decoder = new SpeculativeDecoder(session, LoadDraft(draft.Directory, session.VocabularySize).NewSession(Environment.ProcessorCount), options, draft.Tokens);
        onReady?.Invoke();
        var (result, statistics) = SpeculativeTextGenerator.Generate(decoder, tokenizer, promptIds, onText);
        return new(result.Text, "SharpLM.Inference (speculative)", result, tokenizer, statistics);
    }

    /// <summary>
    /// The prompt's tokens, checked against the model's context before anything is printed: the prompt is echoed when
    /// generation starts, and a prompt that cannot be continued must not appear above its error.
    /// </summary>
    public static List<int> PromptIds(BpeTokenizer tokenizer, string prompt, int maxContext)
    {
        var ids = tokenizer.Encode(prompt);
        if (ids.Count == 0 && tokenizer.EndOfTextId is int start) ids.Add(start); // an empty prompt starts a new document
        if (ids.Count >= maxContext)
            throw new Core.SharpLMException($"the prompt is {ids.Count} tokens, which leaves no room in the model's context of {maxContext}.");
        return ids;
    }

    private static EngineModel LoadDraft(string directory, int vocabulary)
    {
        InputFiles.RequireDirectory(directory, "draft model");
        var weights = EngineModel.Load(directory);
        if (weights.Config.VocabSize != vocabulary)
            throw new Core.SharpLMException($"{Path.Combine(directory, "config.json")}: the draft's vocab_size is {weights.Config.VocabSize} but the model's is {vocabulary}; a draft must share the model's tokenizer.");
        return weights;
    }
}
