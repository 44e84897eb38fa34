using System.Text.Json;
using SharpLM.Core;

namespace SharpLM.Cli.Stages;

/// <summary>
/// What `llama-bench -o json` prints: an array of test records. A prompt-processing test has n_prompt &gt; 0 and
/// n_gen = 0, a generation test the reverse; avg_ts is its mean tokens per second over the repetitions.
/// </summary>
public static class LlamaBenchOutput
{
    public sealed record Speeds(double PromptTokensPerSecond, double DecodeTokensPerSecond);

    public static Speeds Parse(string json, string origin)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{origin}: its output is not JSON ({e.Message.Split('.')[0]}).");
        }
        if (root.ValueKind != JsonValueKind.Array) throw new SharpLMException($"{origin}: its output is not a JSON array of tests.");
        double? prompt = null, decode = null;
        foreach (var test in root.EnumerateArray())
        {
            int promptTokens = Integer(test, "n_prompt", origin), generated = Integer(test, "n_gen", origin);
            double speed = test.TryGetProperty("avg_ts", out var ts) && ts.ValueKind == JsonValueKind.Number ? ts.GetDouble()
                : throw new SharpLMException($"{origin}: a test has no number 'avg_ts'.");
            if (promptTokens > 0 && generated == 0) prompt = speed;
            else if (generated > 0 && promptTokens == 0) decode = speed;
        }
        return new Speeds(prompt ?? throw new SharpLMException($"{origin}: no prompt-processing test (n_prompt > 0, n_gen 0) in its output."),
            decode ?? throw new SharpLMException($"{origin}: no generation test (n_gen > 0, n_prompt 0) in its output."));
    }

    private static int Integer(JsonElement test, string field, string origin) =>
        test.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32()
            : throw new SharpLMException($"{origin}: a test has no integer '{field}'.");
}
