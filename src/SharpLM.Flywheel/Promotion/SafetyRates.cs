using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Flywheel.Promotion;

/// <summary>
/// The two headline rates of a safety card's results.json (as <c>redteam run</c> writes it): attack success and
/// over-refusal on benign twins, each null when the run had no probes of that kind.
/// </summary>
public sealed record SafetyRates(string Path, double? AttackSuccess, double? OverRefusal)
{
    public static SafetyRates Load(string path)
    {
        InputFiles.RequireFile(path, "safety results.json");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new SharpLMException($"{path}: a safety results.json is a JSON object.");
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{path}: not valid JSON at line {(e.LineNumber ?? 0) + 1}.");
        }
        return new SafetyRates(path, Rate(root, "attack_success", path), Rate(root, "over_refusal", path));
    }

    private static double? Rate(JsonObject root, string field, string path)
    {
        if (root[field] is not JsonObject entry) throw new SharpLMException($"{path}: field '{field}' is missing; is this a redteam results.json?");
        return entry["rate"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out double rate) => rate,
            _ => throw new SharpLMException($"{path}: field '{field}.rate' is not a number."),
        };
    }
}
