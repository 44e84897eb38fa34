using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Safety.Judges;

namespace SharpLM.Safety.Guardrails;

/// <summary>
/// A deployment's guardrail policy as a JSON or YAML file (see docs/safety.md):
/// <code>
/// {"refusal": "I can't help with that.", "rules": "my-rules.jsonl", "input": true, "output": true,
///  "injection": true, "pii": true, "tools": ["get_weather"], "guard_model": "models/llama-guard", "stream_holdback": 32}
/// </code>
/// Every field is optional. Relative paths are read from the policy file's folder; "rules" defaults to the shipped
/// keyword rules, "tools" absent allows every tool, "guard_model" absent runs no guard model. Instead of a guard
/// model folder, "guard_endpoint" names an OpenAI-compatible server that serves one ("guard_endpoint_model" picks
/// its model, $SHARPLM_GUARD_API_KEY its key).
/// </summary>
public sealed record GuardrailPolicyFile
{
    public const string DefaultRefusal = "I can't help with that request.";

    public string Refusal { get; init; } = DefaultRefusal;
    public string RulesPath { get; init; } = KeywordRules.BuiltinPath;
    public bool CheckInput { get; init; } = true;
    public bool CheckOutput { get; init; } = true;
    /// <summary>Run the prompt-injection heuristics on retrieved documents and tool results.</summary>
    public bool CheckInjection { get; init; } = true;
    public bool RedactPii { get; init; } = true;
    public IReadOnlyList<string>? Tools { get; init; }
    public string? GuardModel { get; init; }
    /// <summary>An OpenAI-compatible server's address whose model is the guard (instead of <see cref="GuardModel"/>).</summary>
    public string? GuardEndpoint { get; init; }
    /// <summary>The guard endpoint's model name (default: the first it lists).</summary>
    public string? GuardEndpointModel { get; init; }
    /// <summary>Characters a stream keeps back, so personal data is redacted before any of it is sent.</summary>
    public int StreamHoldback { get; init; } = 32;

    private static readonly HashSet<string> Fields = ["refusal", "rules", "input", "output", "injection", "pii", "tools", "guard_model", "guard_endpoint", "guard_endpoint_model", "stream_holdback"];

    /// <summary>Reads a policy from JSON, or from YAML when the file ends in .yaml or .yml (the same fields and checks).</summary>
    public static GuardrailPolicyFile Load(string path)
    {
        InputFiles.RequireFile(path, "guardrail policy");
        (JsonElement root, IReadOnlyDictionary<string, int>? keyLines) = IsYaml(path) ? YamlAsJson.Read(path) : (ReadJson(path), null);
        if (root.ValueKind != JsonValueKind.Object) throw new SharpLMException($"{path}: the policy must be a JSON object.");
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var policy = new GuardrailPolicyFile();
        foreach (var field in root.EnumerateObject())
        {
            string at = keyLines is not null && keyLines.TryGetValue(field.Name, out int line) ? $"{path}: line {line}" : path;
            string where = $"{at}: field '{field.Name}'";
            var value = field.Value;
            string Text() => value.ValueKind == JsonValueKind.String && value.GetString()!.Trim().Length > 0 ? value.GetString()! : throw new SharpLMException($"{where} must be a non-empty string.");
            bool Flag() => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw new SharpLMException($"{where} must be true or false.");
            policy = field.Name switch
            {
                "refusal" => policy with { Refusal = Text() },
                "rules" => policy with { RulesPath = Path.Combine(folder, Text()) },
                "input" => policy with { CheckInput = Flag() },
                "output" => policy with { CheckOutput = Flag() },
                "injection" => policy with { CheckInjection = Flag() },
                "pii" => policy with { RedactPii = Flag() },
                "tools" => policy with
                {
                    Tools = value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String && t.GetString()!.Length > 0)
                        ? value.EnumerateArray().Select(t => t.GetString()!).ToList()
                        : throw new SharpLMException($"{where} must be an array of tool names."),
                },
                "guard_model" => policy with { GuardModel = Path.Combine(folder, Text()) },
                "guard_endpoint" => policy with { GuardEndpoint = Text() },
                "guard_endpoint_model" => policy with { GuardEndpointModel = Text() },
                "stream_holdback" => policy with
                {
                    StreamHoldback = value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) && n is >= 0 and <= 4096 ? n
                        : throw new SharpLMException($"{where} must be an integer from 0 to 4096."),
                },
                _ => throw new SharpLMException($"{at}: unknown field '{field.Name}' (known: {string.Join(", ", Fields.Order())})."),
            };
        }
        if (policy.GuardModel is { } guard) InputFiles.RequireDirectory(guard, "guard model");
        if (policy.GuardModel is not null && policy.GuardEndpoint is not null)
            throw new SharpLMException($"{path}: give one of 'guard_model' and 'guard_endpoint', not both.");
        if (policy.GuardEndpointModel is not null && policy.GuardEndpoint is null)
            throw new SharpLMException($"{path}: field 'guard_endpoint_model' needs a 'guard_endpoint'.");
        return policy;
    }

    private static bool IsYaml(string path) =>
        Path.GetExtension(path).Equals(".yaml", StringComparison.OrdinalIgnoreCase) || Path.GetExtension(path).Equals(".yml", StringComparison.OrdinalIgnoreCase);

    private static JsonElement ReadJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement;
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{path}: not valid JSON ({JsonFile.FirstSentence(e.Message)}).");
        }
    }

    /// <summary>The checks this file describes; the guard model (when named) is loaded on the engine with <paramref name="threads"/>.</summary>
    public (GuardrailPolicy Policy, ToolAllowlist? Tools) Build(int threads)
    {
        IResponseJudge? guard = GuardModel is not null ? GuardModelJudge.Load(GuardModel, threads)
            : GuardEndpoint is not null ? EndpointGuardJudge.Open(GuardEndpoint, Environment.GetEnvironmentVariable("SHARPLM_GUARD_API_KEY"), GuardEndpointModel, TimeSpan.FromMinutes(2))
            : null;
        return (new GuardrailPolicy(KeywordRules.Load(RulesPath), guard, redactPii: RedactPii), Tools is null ? null : new ToolAllowlist(Tools));
    }
}
