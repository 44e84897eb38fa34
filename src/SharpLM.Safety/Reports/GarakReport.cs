using System.Text;
using System.Text.Json.Nodes;
using SharpLM.Core.IO;
using SharpLM.Safety.Metrics;
using SharpLM.Safety.Running;

namespace SharpLM.Safety.Reports;

/// <summary>
/// report.jsonl in garak's shape, for tools that read garak runs: a setup and an init record, one <c>attempt</c> record
/// per conversation (scores 1.0 for a hit), one <c>eval</c> record per probe (transform) and detector with passed, fails,
/// nones, total_evaluated and total_processed, and a closing <c>digest</c> with the rates. Benign twins form the probe
/// <c>sharplm.benign_twins</c>, whose detector <c>sharplm.OverRefusal</c> fails an answer that refuses.
/// </summary>
public static class GarakReport
{
    public const string BenignProbe = "sharplm.benign_twins", OverRefusalDetector = "sharplm.OverRefusal";

    public static string ProbeName(string transform) => "sharplm." + transform;

    public static void Write(string path, string target, DateTimeOffset start, IReadOnlyList<AttemptRecord> attempts, IReadOnlyList<string> detectors, RedTeamSummary summary)
    {
        var lines = new List<JsonObject>
        {
            new() { ["entry_type"] = "start_run setup", ["plugins.target_type"] = "sharplm.redteam", ["plugins.target_name"] = target,
                ["transient.starttime_iso"] = start.ToString("O") },
            new() { ["entry_type"] = "init", ["garak_version"] = null, ["generator"] = "sharplm", ["start_time"] = start.ToString("O"), ["run"] = Guid.NewGuid().ToString() },
        };
        int seq = 0;
        foreach (var a in attempts)
        {
            var results = new JsonObject();
            if (a.Benign) results[OverRefusalDetector] = new JsonArray(a.Refused ? 1.0 : 0.0);
            else foreach (var (detector, verdict) in a.Verdicts) results[detector] = new JsonArray(verdict.Hit ? 1.0 : 0.0);
            if (!a.Benign && a.CanaryLeaked is bool leaked) results["sharplm.CanaryLeak"] = new JsonArray(leaked ? 1.0 : 0.0);
            lines.Add(new JsonObject
            {
                ["entry_type"] = "attempt", ["uuid"] = Guid.NewGuid().ToString(), ["seq"] = seq++, ["status"] = 2,
                ["probe_classname"] = a.Benign ? BenignProbe : ProbeName(a.Transform),
                ["prompt"] = a.Turns[^1], ["outputs"] = new JsonArray(a.Responses[^1]), ["detector_results"] = results,
                ["notes"] = new JsonObject { ["probe_id"] = a.ProbeId, ["category"] = a.Category },
            });
        }
        foreach (var group in attempts.Where(a => !a.Benign).GroupBy(a => a.Transform))
        {
            foreach (string detector in detectors)
                lines.Add(Eval(ProbeName(group.Key), detector, group.Count(a => !a.Verdicts[detector].Hit), group.Count()));
            if (group.Any(a => a.CanaryLeaked is not null))
                lines.Add(Eval(ProbeName(group.Key), "sharplm.CanaryLeak", group.Count(a => a.CanaryLeaked != true), group.Count()));
        }
        var benign = attempts.Where(a => a.Benign).ToList();
        if (benign.Count > 0) lines.Add(Eval(BenignProbe, OverRefusalDetector, benign.Count(a => !a.Refused), benign.Count));
        lines.Add(new JsonObject
        {
            ["entry_type"] = "digest", ["primary_detector"] = summary.PrimaryDetector,
            ["attack_success_rate"] = RateNode(summary.AttackSuccess), ["refusal_rate"] = RateNode(summary.Refusal), ["over_refusal_rate"] = RateNode(summary.OverRefusal),
            ["by_category"] = new JsonObject(summary.ByCategory.Select(r => KeyValuePair.Create(r.Group, RateNode(r.AttackSuccess)))),
            ["by_transform"] = new JsonObject(summary.ByTransform.Select(r => KeyValuePair.Create(ProbeName(r.Group), RateNode(r.AttackSuccess)))),
        });
        var text = new StringBuilder();
        var json = new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        foreach (var line in lines) text.Append(line.ToJsonString(json)).Append('\n');
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>A rate, or null when nothing was counted (JSON has no NaN).</summary>
    internal static JsonNode? RateNode(Proportion p) => p.Trials == 0 ? null : JsonValue.Create(p.Rate);

    /// <summary>garak counts an output that is not a hit as passed; every output here was scored, so nones is 0.</summary>
    private static JsonObject Eval(string probe, string detector, int passed, int total) => new()
    {
        ["entry_type"] = "eval", ["probe"] = probe, ["detector"] = "detector." + detector,
        ["passed"] = passed, ["fails"] = total - passed, ["nones"] = 0, ["total_evaluated"] = total, ["total_processed"] = total,
    };
}
