using SharpLM.Inference.Constraints;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Generation;

/// <summary>Why generation ended.</summary>
public enum FinishReason { Stop, Length }

/// <summary>
/// A finished generation: the new text, its token ids and why it stopped; with
/// <see cref="SamplingOptions.LogProbabilities"/> set, one entry per token of <see cref="Tokens"/>.
/// </summary>
public sealed record GenerationResult(string Text, IReadOnlyList<int> Tokens, FinishReason Finish,
    IReadOnlyList<TokenLogProbabilities>? LogProbabilities = null);

/// <summary>
/// Plain sampling: one model call per token, each fed to a <see cref="GenerationSequence"/>, which holds every rule
/// of when to stop, what to stream and what to report.
/// </summary>
public static class TextGenerator
{
    public static string Generate(ILogitsSource model, BpeTokenizer tokenizer, string prompt, SamplingOptions options, Action<string>? onText = null) =>
        Generate(model, tokenizer, tokenizer.Encode(prompt), options, onText).Text;

    public static GenerationResult Generate(ILogitsSource model, BpeTokenizer tokenizer, IReadOnlyList<int> promptIds, SamplingOptions options,
        Action<string>? onText = null, IReadOnlySet<int>? stopTokens = null, ITokenConstraint? constraint = null)
    {
        var sequence = new GenerationSequence(tokenizer, promptIds, options, model.MaxContext, stopTokens, constraint, onText);
        while (!sequence.IsFinished && sequence.Step(model.Next(sequence.Context))) { }
        return sequence.Result();
    }
}
