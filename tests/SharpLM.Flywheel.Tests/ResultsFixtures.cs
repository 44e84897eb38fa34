using System.Text.Json.Nodes;

namespace SharpLM.Flywheel.Tests;

/// <summary>Hand-written results files in the lm-eval shape that eval run writes, and safety results.json files.</summary>
internal static class ResultsFixtures
{
    public sealed record TaskRow(string Name, string Metric, double Value, double? Stderr = null, bool HigherIsBetter = true);

    public static string Folder() => Directory.CreateTempSubdirectory("sharplm-flywheel-").FullName;

    public static string Results(string folder, string model, params TaskRow[] tasks)
    {
        var results = new JsonObject();
        var higher = new JsonObject();
        foreach (var t in tasks)
        {
            var entry = new JsonObject { [$"{t.Metric},none"] = t.Value, ["alias"] = t.Name };
            if (t.Stderr is { } e) entry[$"{t.Metric}_stderr,none"] = e;
            results[t.Name] = entry;
            higher[t.Name] = new JsonObject { [t.Metric] = t.HigherIsBetter };
        }
        string dir = Path.Combine(folder, model);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "results_2026-01-01T00-00-00.json");
        File.WriteAllText(path, new JsonObject { ["model_name"] = model, ["results"] = results, ["higher_is_better"] = higher }.ToJsonString());
        return path;
    }

    public static string Safety(string folder, string name, double? attackSuccess, double? overRefusal)
    {
        static JsonObject Rate(double? rate) => new() { ["rate"] = rate, ["count"] = 0, ["total"] = rate is null ? 0 : 100 };
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, new JsonObject
        {
            ["settings"] = new JsonObject(), ["primary_detector"] = "refusal", ["attack_success"] = Rate(attackSuccess), ["refusal"] = Rate(0.5), ["over_refusal"] = Rate(overRefusal),
        }.ToJsonString());
        return path;
    }
}
