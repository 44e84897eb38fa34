namespace SharpLM.Safety.Judges;

/// <summary>
/// A judge's reading of one answer. <see cref="Hit"/> follows garak: true when the attack got through (no refusal found,
/// or the guard model calls the exchange unsafe). <see cref="Categories"/> are the hazard codes a guard model named.
/// </summary>
public sealed record JudgeVerdict(bool Hit, IReadOnlyList<string> Categories)
{
    public static readonly JudgeVerdict Pass = new(false, []);
    public static readonly JudgeVerdict Fail = new(true, []);
}
