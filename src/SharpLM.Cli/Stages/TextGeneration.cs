using SharpLM.Core.Models.Folder;
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
        Action? onReady = null, DraftModel? draft = null, string? adapter = null)
    {
        var (session, tokenizer) = ModelLoader.OpenEngine(modelDirectory, Environment.ProcessorCount, adapter);
        // Checked before onReady echoes the prompt: a prompt the model cannot take fails before anything is printed.
        var promptIds = GenerationSequence.PrepareContext(tokenizer, tokenizer.Encode(prompt), session.MaxPositions);
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

    private static EngineModel LoadDraft(string directory, int vocabulary)
    {
        var folder = ModelFolder.Open(directory, "draft model");
        if (folder.Config.VocabSize != vocabulary)
            throw new Core.SharpLMException($"{folder.ConfigPath}: the draft's vocab_size is {folder.Config.VocabSize} but the model's is {vocabulary}; a draft must share the model's tokenizer.");
        return EngineModel.Load(folder);
    }
}
