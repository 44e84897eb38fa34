using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using SharpLM.Safety.Guardrails;
using SharpLM.Serving.Api;
using SharpLM.Serving.Telemetry;

namespace SharpLM.Serving.Guardrails;

/// <summary>
/// A deployment's guardrail policy around the endpoints: input checks before a job is submitted, output checks on
/// finished text (or, for streams, on the text as it grows, see <see cref="GuardedStream"/>), the tool allowlist on a
/// request's tools. A blocked choice is answered with the policy's refusal and finish reason "content_filter", and
/// counted in sharplm_guardrail_blocks_total. Logs name the category and never carry the text that was redacted.
/// </summary>
public sealed partial class ServingGuardrails(GuardrailPolicyFile settings, GuardrailPolicy policy, ToolAllowlist? tools, ServerMetrics metrics, ILogger log)
{
    public const string ContentFilter = "content_filter";

    public string Refusal => settings.Refusal;

    /// <summary>Whether output is checked; a guard model needs the whole answer, so streams are then held to the end.</summary>
    public bool ChecksOutput => settings.CheckOutput;

    public static ServingGuardrails Load(string path, int threads, ServerMetrics metrics, ILogger log)
    {
        var settings = GuardrailPolicyFile.Load(path);
        var (policy, tools) = settings.Build(threads);
        return new ServingGuardrails(settings, policy, tools, metrics, log);
    }

    /// <summary>The same policy (its guard model not loaded again), counting its blocks and redactions in another model's metrics.</summary>
    public ServingGuardrails CountingIn(ServerMetrics modelMetrics) => new(settings, policy, tools, modelMetrics, log);

    /// <summary>
    /// The input check on the user's texts; text inside &lt;document&gt; or &lt;tool_response&gt; blocks (retrieved
    /// documents, tool results) goes to the prompt-injection heuristics instead of the keyword rules.
    /// </summary>
    public bool BlocksInput(IEnumerable<string> userTexts)
    {
        if (!settings.CheckInput) return false;
        var texts = userTexts.ToList();
        var documents = settings.CheckInjection ? texts.SelectMany(t => RetrievedPattern().Matches(t).Select(m => m.Groups[2].Value)).ToList() : [];
        var verdict = texts.Select((t, i) => policy.CheckInput(RetrievedPattern().Replace(t, " "), i == 0 ? documents : null)).FirstOrDefault(v => v.Blocked);
        if (verdict is null) return false;
        Count("input", verdict);
        return true;
    }

    /// <summary>The output check on a finished answer: the text to send (redacted when personal data was found), or null when it is blocked.</summary>
    public string? CheckOutput(string prompt, string answer)
    {
        if (!settings.CheckOutput) return answer;
        var verdict = policy.CheckOutput(prompt, answer);
        if (verdict.Blocked)
        {
            Count("output", verdict);
            return null;
        }
        if (verdict.Text != answer) Redacted();
        return verdict.Text;
    }

    /// <summary>A stream's filter, or null when output is not checked.</summary>
    public GuardedStream? NewStream(string prompt) => settings.CheckOutput ? new GuardedStream(this, policy, prompt, settings.StreamHoldback) : null;

    internal void Count(string stage, GuardrailVerdict verdict)
    {
        string category = verdict.Category ?? "unsafe";
        metrics.GuardrailBlocks.WithLabels(stage, category).Inc();
        log.LogInformation("guardrails blocked the {Stage} ({Category})", stage, category);
    }

    internal void Redacted()
    {
        metrics.GuardrailRedactions.Inc();
        log.LogInformation("guardrails redacted personal data in an answer");
    }

    /// <summary>Refuses (400, naming the tool) a request that offers a function outside the allowlist.</summary>
    public void CheckTools(ToolCalls calls)
    {
        if (tools is null) return;
        for (int i = 0; i < calls.Functions.Count; i++)
            if (tools.Check(new FunctionCallContent($"tools[{i}]", calls.Functions[i].Name)) is { Blocked: true } verdict)
            {
                Count("input", verdict);
                throw RequestError.Invalid($"tools[{i}].function.name", $"'tools[{i}].function.name': the tool '{calls.Functions[i].Name}' is not on the server's tool allowlist.");
            }
    }

    /// <summary>Text for a log line: personal data replaced.</summary>
    public string ForLog(string text) => policy.ScrubForLog(text);

    [GeneratedRegex(@"<(document|tool_response)>(.*?)</\1>", RegexOptions.Singleline)]
    private static partial Regex RetrievedPattern();
}
