using SharpLM.Safety.Guardrails;

namespace SharpLM.Serving.Guardrails;

/// <summary>
/// Output checks on one streamed choice. The keyword rules run on the whole text so far after every update, and the
/// stream stops at the first violation; text is released only up to a word boundary at least <c>holdback</c>
/// characters behind the newest text, redacted, so personal data shorter than the holdback is replaced before any of
/// it leaves. The price: a violating phrase's first words may already have been sent when its last word arrives,
/// and the client sees text <c>holdback</c> characters late. With a guard model nothing is released until the
/// answer is finished and judged.
/// </summary>
public sealed class GuardedStream(ServingGuardrails owner, GuardrailPolicy policy, string prompt, int holdback)
{
    private readonly System.Text.StringBuilder _text = new();
    private string _sent = "";

    /// <summary>A step's outcome: the text to send now, or Blocked (send the refusal and stop).</summary>
    public readonly record struct Step(string Release, bool Blocked);

    public Step Push(string delta)
    {
        _text.Append(delta);
        if (policy.HasGuardModel || delta.Length == 0) return new Step("", false);
        string text = _text.ToString();
        if (policy.CheckPartialOutput(text) is { Blocked: true } verdict)
        {
            owner.Count("output", verdict);
            return new Step("", true);
        }
        int end = text.Length - holdback;
        while (end > 0 && !char.IsWhiteSpace(text[end - 1])) end--;
        return end <= _sent.Length ? new Step("", false) : Release(policy.Redact(text[..end]), redacted: false);
    }

    /// <summary>The choice ended: the full output check on the whole answer, and the rest of its text.</summary>
    public Step Finish()
    {
        string text = _text.ToString();
        var verdict = policy.CheckOutput(prompt, text);
        if (verdict.Blocked)
        {
            owner.Count("output", verdict);
            return new Step("", true);
        }
        return Release(verdict.Text, redacted: verdict.Text != text);
    }

    /// <summary>
    /// Sends what follows the text already sent. When a redaction reaches back into sent text (personal data longer
    /// than the holdback), the rest cannot be made clean, so the stream is stopped as a block.
    /// </summary>
    private Step Release(string clean, bool redacted)
    {
        if (!clean.StartsWith(_sent, StringComparison.Ordinal))
        {
            owner.Count("output", GuardrailVerdict.Block("pii", "personal data reached text already sent", ""));
            return new Step("", true);
        }
        if (redacted) owner.Redacted();
        string release = clean[_sent.Length..];
        _sent = clean;
        return new Step(release, false);
    }
}
