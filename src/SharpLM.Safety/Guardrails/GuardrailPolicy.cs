using SharpLM.Data.Pii;
using SharpLM.Safety.Judges;

namespace SharpLM.Safety.Guardrails;

/// <summary>
/// Input and output checks around a model. Input: category keyword rules, then the prompt-injection heuristics on any
/// retrieved documents. Output: the keyword rules, then the optional guard model (which sees the prompt too), then the
/// data pipeline's PII scrubber, which redacts (typed placeholders) without blocking. Each check returns a verdict with
/// its category; the first block wins. <paramref name="redactPii"/> false leaves personal data in answers (logs are
/// still scrubbed).
/// </summary>
public sealed class GuardrailPolicy(KeywordRules rules, IResponseJudge? guard = null, PiiScrubber? scrubber = null, bool redactPii = true)
{
    private readonly PiiScrubber _scrubber = scrubber ?? new PiiScrubber();

    /// <summary>Whether output checks include a guard model (which needs the whole answer before it can judge).</summary>
    public bool HasGuardModel => guard is not null;

    /// <summary>The keyword rules alone, on any text: what a stream checks as its text grows.</summary>
    public GuardrailVerdict CheckPartialOutput(string response) =>
        rules.Match(response) is var (category, phrase) ? GuardrailVerdict.Block(category, $"the answer mentions '{phrase}'", response) : GuardrailVerdict.Allow(response);

    /// <summary>The text with personal data replaced, when the policy redacts it.</summary>
    public string Redact(string text) => redactPii ? _scrubber.Scrub(text) : text;

    public GuardrailVerdict CheckInput(string prompt, IEnumerable<string>? retrievedDocuments = null)
    {
        if (rules.Match(prompt) is var (category, phrase)) return GuardrailVerdict.Block(category, $"the request mentions '{phrase}'", prompt);
        foreach (string document in retrievedDocuments ?? [])
            if (InjectionHeuristics.Find(document) is { } sign)
                return GuardrailVerdict.Block("prompt_injection", $"a retrieved document carries an injection sign ({sign})", prompt);
        return GuardrailVerdict.Allow(prompt);
    }

    public GuardrailVerdict CheckOutput(string prompt, string response)
    {
        if (rules.Match(response) is var (category, phrase)) return GuardrailVerdict.Block(category, $"the answer mentions '{phrase}'", response);
        if (guard?.Judge(prompt, response) is { Hit: true } verdict)
            return GuardrailVerdict.Block(verdict.Categories.FirstOrDefault() ?? "unsafe", $"the guard model calls the answer unsafe", response);
        string scrubbed = Redact(response);
        return scrubbed == response ? GuardrailVerdict.Allow(response) : new GuardrailVerdict(false, "pii", "personal data was redacted", scrubbed);
    }

    /// <summary>For logs: the text with personal data replaced by typed placeholders.</summary>
    public string ScrubForLog(string text) => _scrubber.Scrub(text);
}
