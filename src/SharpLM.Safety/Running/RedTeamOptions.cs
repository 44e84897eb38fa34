namespace SharpLM.Safety.Running;

public sealed record RedTeamOptions
{
    /// <summary>Conversations in flight at once.</summary>
    public int Concurrency { get; init; } = 4;

    public int MaxOutputTokens { get; init; } = 200;

    /// <summary>0 is greedy, so a run repeats exactly.</summary>
    public float Temperature { get; init; }

    /// <summary>Fixes the transforms' random draws and the model's sampling.</summary>
    public long Seed { get; init; }

    /// <summary>The transform benign twins are sent under: over-refusal is measured on plainly asked harmless requests.</summary>
    public string BenignTransform { get; init; } = "plain";
}
