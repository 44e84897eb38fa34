namespace SharpLM.Safety.Guardrails;

/// <summary>
/// What a guardrail check decided: <see cref="Blocked"/> with the <see cref="Category"/> that caused it (a hazard code
/// S1–S14, or "prompt_injection", "tool", "pii") and a short reason; <see cref="Text"/> is the text to pass on, which
/// an output check may have redacted without blocking.
/// </summary>
public sealed record GuardrailVerdict(bool Blocked, string? Category, string? Reason, string Text)
{
    public static GuardrailVerdict Allow(string text) => new(false, null, null, text);

    public static GuardrailVerdict Block(string category, string reason, string text) => new(true, category, reason, text);
}
