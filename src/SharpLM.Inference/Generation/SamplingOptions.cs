namespace SharpLM.Inference.Generation;

public sealed record SamplingOptions
{
    /// <summary>0 means greedy decoding.</summary>
    public double Temperature { get; init; } = 0.8;
    /// <summary>Sample only among the k most likely tokens; 0 disables the cut.</summary>
    public int TopK { get; init; } = 40;
    public int MaxNewTokens { get; init; } = 100;
    public long Seed { get; init; } = 42;
    /// <summary>Stop after emitting the end-of-text token.</summary>
    public bool StopAtEndOfText { get; init; } = true;

    public void Validate()
    {
        if (Temperature < 0) throw new Core.SharpLMException($"temperature must not be negative (got {Temperature}).");
        if (TopK < 0) throw new Core.SharpLMException($"top-k must not be negative (got {TopK}).");
        if (MaxNewTokens < 0) throw new Core.SharpLMException($"max new tokens must not be negative (got {MaxNewTokens}).");
    }
}
