using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Generation;

/// <summary>
/// Speculative decoding's generation loop: each round of a <see cref="SpeculativeDecoder"/> yields several tokens,
/// which a <see cref="GenerationSequence"/> takes one at a time under the same rules as plain sampling. Sampling
/// settings are the decoder's.
/// </summary>
public static class SpeculativeTextGenerator
{
    public static (GenerationResult Result, SpeculativeStatistics Statistics) Generate(SpeculativeDecoder decoder, BpeTokenizer tokenizer,
        IReadOnlyList<int> promptIds, Action<string>? onText = null, IReadOnlySet<int>? stopTokens = null)
    {
        var before = decoder.Statistics;
        var sequence = new GenerationSequence(tokenizer, promptIds, decoder.Options, decoder.MaxContext, stopTokens, onText: onText);
        var round = new List<int>();
        var roundLogProbabilities = decoder.Options.LogProbabilities is null ? null : new List<TokenLogProbabilities>();
        while (!sequence.IsFinished)
        {
            decoder.Round(sequence.Context, sequence.Remaining, round, roundLogProbabilities);
            for (int i = 0; i < round.Count && sequence.Accept(round[i], roundLogProbabilities?[i]); i++) { }
        }
        return (sequence.Result(), decoder.Statistics.Since(before));
    }
}
