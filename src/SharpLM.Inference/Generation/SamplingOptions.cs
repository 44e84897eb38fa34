namespace SharpLM.Inference.Generation;

/// <summary>
/// How the next token is chosen. Applied in this order: repetition, frequency and presence penalties (over every
/// token of the context, prompt included), temperature, top-k, top-p, min-p; then a seeded draw.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>0 means greedy decoding (after penalties).</summary>
    public double Temperature { get; init; } = 0.8;
    /// <summary>Sample only among the k most likely tokens; 0 disables the cut.</summary>
    public int TopK { get; init; } = 40;
    /// <summary>Keep the smallest set of most likely tokens whose probabilities reach p (nucleus sampling); 1 disables.</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>Drop tokens less likely than min_p × the most likely token's probability; 0 disables.</summary>
    public double MinP { get; init; }
    /// <summary>CTRL-style: logits of tokens already in the context are divided (if positive) or multiplied (if negative) by this; 1 disables.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;
    /// <summary>OpenAI-style: subtract this × the token's count in the context.</summary>
    public double FrequencyPenalty { get; init; }
    /// <summary>OpenAI-style: subtract this once from every token present in the context.</summary>
    public double PresencePenalty { get; init; }
    public int MaxNewTokens { get; init; } = 100;
    public long Seed { get; init; } = 42;
    /// <summary>Stop after emitting the end-of-text token.</summary>
    public bool StopAtEndOfText { get; init; } = true;
    /// <summary>Stop when the generated text contains one of these; the stop text is not returned.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];
    /// <summary>
    /// Report log-probabilities (see <see cref="TokenLogProbabilities"/>): null reports none; N reports each
    /// generated token's and the N most likely tokens' at its position (0: the generated token's only).
    /// </summary>
    public int? LogProbabilities { get; init; }

    public void Validate()
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new Core.SharpLMException(what);
        }
        Require(Temperature >= 0, $"temperature must not be negative (got {Temperature}).");
        Require(TopK >= 0, $"top-k must not be negative (got {TopK}).");
        Require(TopP is > 0 and <= 1, $"top-p must be in (0, 1] (got {TopP}).");
        Require(MinP is >= 0 and < 1, $"min-p must be in [0, 1) (got {MinP}).");
        Require(RepetitionPenalty > 0, $"repetition penalty must be positive (got {RepetitionPenalty}).");
        Require(MaxNewTokens >= 0, $"max new tokens must not be negative (got {MaxNewTokens}).");
        Require(LogProbabilities is null or >= 0, $"the number of top log-probabilities must not be negative (got {LogProbabilities}).");
        Require(StopSequences.All(s => s.Length > 0), "stop sequences must not be empty.");
    }
}
