namespace SharpLM.Inference.Generation;

/// <summary>
/// What speculative decoding did: how many draft-and-verify rounds ran, how many draft tokens were proposed and
/// accepted, how many tokens came out (accepted drafts plus one token from the target per round), and the
/// seconds spent in rounds.
/// </summary>
public sealed record SpeculativeStatistics(int Rounds, int DraftedTokens, int AcceptedTokens, int GeneratedTokens, double Seconds)
{
    public static SpeculativeStatistics None { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Share of proposed draft tokens the target accepted (1 when the draft is the target itself).</summary>
    public double AcceptanceRate => DraftedTokens == 0 ? 0 : (double)AcceptedTokens / DraftedTokens;

    /// <summary>Tokens per target verification pass; plain decoding makes one token per target pass.</summary>
    public double TokensPerRound => Rounds == 0 ? 0 : (double)GeneratedTokens / Rounds;

    public double TokensPerSecond => Seconds > 0 ? GeneratedTokens / Seconds : 0;

    /// <summary>The work done between two snapshots of a decoder's running totals.</summary>
    public SpeculativeStatistics Since(SpeculativeStatistics earlier) => new(Rounds - earlier.Rounds, DraftedTokens - earlier.DraftedTokens,
        AcceptedTokens - earlier.AcceptedTokens, GeneratedTokens - earlier.GeneratedTokens, Seconds - earlier.Seconds);

    public override string ToString() =>
        $"{GeneratedTokens} tokens in {Rounds} rounds ({TokensPerRound:F2} per target pass), {AcceptedTokens}/{DraftedTokens} draft tokens accepted " +
        $"({100 * AcceptanceRate:F1}%), {TokensPerSecond:F1} tokens/s";
}

/// <summary>A finished speculative generation at the token level.</summary>
public sealed record SpeculativeResult(IReadOnlyList<int> Tokens, FinishReason Finish, SpeculativeStatistics Statistics,
    IReadOnlyList<TokenLogProbabilities>? LogProbabilities = null);
