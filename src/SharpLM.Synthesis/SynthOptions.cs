using SharpLM.Core;

namespace SharpLM.Synthesis;

/// <summary>How task data is drawn.</summary>
/// <param name="Seed">Seeds every draw (CPython's Mersenne Twister), so a seed names one data set byte for byte.</param>
/// <param name="Count">Examples drawn before splitting and deduplication, cycling through the five kinds.</param>
/// <param name="HeldOutFraction">The share of states, probe goals and word problems kept out of training.</param>
/// <param name="FactPasses">Passes over all states in the pretraining fact documents (<see cref="CapitalFactDocuments"/>); 0 writes none.</param>
public sealed record SynthOptions(int Seed = 1234, int Count = 2000, double HeldOutFraction = 0.2, int FactPasses = SynthOptions.DefaultFactPasses)
{
    /// <summary>About 4.6 MB of paragraphs, a fifth of the quickstart's corpus after its filters: its 2.6M-parameter base then completes 9 of 10 held-out facts.</summary>
    public const int DefaultFactPasses = 900;

    public void Validate()
    {
        if (Count < 1) throw new SharpLMException($"--count must be at least 1 (got {Count}).");
        if (!(HeldOutFraction > 0 && HeldOutFraction < 1))
            throw new SharpLMException($"--held-out-fraction must lie strictly between 0 and 1 (got {HeldOutFraction}).");
        if (FactPasses < 0) throw new SharpLMException($"--fact-passes must be 0 or more (got {FactPasses}).");
    }
}
