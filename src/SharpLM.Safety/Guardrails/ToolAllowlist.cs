using Microsoft.Extensions.AI;

namespace SharpLM.Safety.Guardrails;

/// <summary>Function calling limited to named tools: a call to any other tool is blocked before it runs.</summary>
public sealed class ToolAllowlist(IEnumerable<string> allowed)
{
    private readonly HashSet<string> _allowed = new(allowed, StringComparer.Ordinal);

    public GuardrailVerdict Check(FunctionCallContent call) =>
        _allowed.Contains(call.Name)
            ? GuardrailVerdict.Allow(call.Name)
            : GuardrailVerdict.Block("tool", $"the tool '{call.Name}' is not on the allowlist", call.Name);

    /// <summary>The first disallowed call among a response's contents, or an allow verdict.</summary>
    public GuardrailVerdict Check(ChatResponse response) =>
        response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(Check).FirstOrDefault(v => v.Blocked)
        ?? GuardrailVerdict.Allow(response.Text);
}
