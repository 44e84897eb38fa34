using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.IO;
using SharpLM.Safety.Metrics;

namespace SharpLM.Safety.Reports;

/// <summary>results.json: the run's settings and every rate with its count and Wilson interval, for scripts and comparisons.</summary>
public static class ResultsJson
{
    public static JsonObject Rate(Proportion p) => new()
    {
        ["rate"] = GarakReport.RateNode(p), ["count"] = p.Successes, ["total"] = p.Trials,
        ["ci95"] = p.Trials == 0 ? null : new JsonArray(p.Lower, p.Upper),
    };

    public static void Write(string path, JsonObject settings, RedTeamSummary summary)
    {
        static JsonObject Row(RateRow r)
        {
            var row = new JsonObject { ["attack_success"] = Rate(r.AttackSuccess), ["refusal"] = Rate(r.Refusal) };
            if (r.OverRefusal is { } over) row["over_refusal"] = Rate(over);
            return row;
        }
        var root = new JsonObject
        {
            ["settings"] = settings,
            ["primary_detector"] = summary.PrimaryDetector,
            ["attack_success"] = Rate(summary.AttackSuccess), ["refusal"] = Rate(summary.Refusal), ["over_refusal"] = Rate(summary.OverRefusal),
            ["by_category"] = new JsonObject(summary.ByCategory.Select(r => KeyValuePair.Create(r.Group, (JsonNode?)Row(r)))),
            ["by_transform"] = new JsonObject(summary.ByTransform.Select(r => KeyValuePair.Create(r.Group, (JsonNode?)Row(r)))),
        };
        AtomicFile.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
