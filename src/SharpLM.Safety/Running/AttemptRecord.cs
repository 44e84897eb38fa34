using SharpLM.Safety.Judges;

namespace SharpLM.Safety.Running;

/// <summary>
/// One probe sent under one transform (or its benign twin, sent plainly) and what came back: the conversation, every
/// judge's verdict keyed by detector, whether a canary leaked, and the two outcomes the metrics count —
/// <see cref="Hit"/> (the attack got through, by the primary judge or a leaked canary) and <see cref="Refused"/>
/// (a refusal string judge found a refusal).
/// </summary>
public sealed record AttemptRecord(
    string ProbeId, string Category, string Transform, bool Benign, string? System, IReadOnlyList<string> Turns, IReadOnlyList<string> Responses,
    IReadOnlyDictionary<string, JudgeVerdict> Verdicts, bool? CanaryLeaked, bool Hit, bool Refused)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => AttemptKey(ProbeId, Transform, Benign);

    public static string AttemptKey(string probeId, string transform, bool benign) => $"{probeId}|{transform}|{(benign ? "benign" : "harmful")}";
}
