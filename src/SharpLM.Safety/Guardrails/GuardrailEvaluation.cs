using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpLM.Core.IO;
using SharpLM.Safety.Catalogue;
using SharpLM.Safety.Metrics;
using SharpLM.Safety.Reports;
using SharpLM.Safety.Running;
using SharpLM.Safety.Transforms;

namespace SharpLM.Safety.Guardrails;

/// <summary>Block rate on harmful attacks and false-block rate on benign twins, for one group (a category, a transform, or all).</summary>
public sealed record GuardrailRates(string Group, Proportion Blocked, Proportion? FalseBlocked);

/// <summary>
/// The input policy against the red-team catalogue, no model needed: every probe under every transform (the same
/// attacks, with the same seeds, a red-team run sends) should be blocked, and every benign twin let through. Text in
/// &lt;document&gt; blocks of a turn is checked as a retrieved document.
/// </summary>
public static partial class GuardrailEvaluation
{
    public const string ResultsFile = "guardrails.json";

    public static (GuardrailRates All, IReadOnlyList<GuardrailRates> ByCategory, IReadOnlyList<GuardrailRates> ByTransform) Run(
        GuardrailPolicy policy, IReadOnlyList<Probe> probes, IReadOnlyList<IAttackTransform> transforms, long seed)
    {
        var harmful = new List<(Probe Probe, string Transform, bool Blocked)>();
        var benign = new List<(Probe Probe, bool Blocked)>();
        foreach (var probe in probes)
        {
            foreach (var transform in transforms)
                harmful.Add((probe, transform.Name, Blocked(policy, transform.Apply(probe.Prompt, Draws(seed, probe.Id, transform.Name, false)))));
            benign.Add((probe, policy.CheckInput(probe.Benign).Blocked));
        }
        Proportion Rate<T>(IEnumerable<T> items, Func<T, bool> counted)
        {
            var list = items.ToList();
            return Proportion.Wilson(list.Count(counted), list.Count);
        }
        var categories = HazardCategory.All.Select(c => c.Code).Where(c => probes.Any(p => p.Category == c));
        return (new GuardrailRates("all", Rate(harmful, h => h.Blocked), Rate(benign, b => b.Blocked)),
            categories.Select(c => new GuardrailRates(c, Rate(harmful.Where(h => h.Probe.Category == c), h => h.Blocked), Rate(benign.Where(b => b.Probe.Category == c), b => b.Blocked))).ToList(),
            transforms.Select(t => new GuardrailRates(t.Name, Rate(harmful.Where(h => h.Transform == t.Name), h => h.Blocked), null)).ToList());
    }

    /// <summary>The same random draws the red-team runner makes for this attempt.</summary>
    private static Random Draws(long seed, string probeId, string transform, bool benign) =>
        new((int)(RedTeamRunner.StableSeed(seed, AttemptRecord.AttemptKey(probeId, transform, benign)) & int.MaxValue));

    private static bool Blocked(GuardrailPolicy policy, Attack attack)
    {
        var documents = attack.Turns.SelectMany(t => DocumentPattern().Matches(t).Select(m => m.Groups[1].Value)).ToList();
        return attack.Turns.Any(turn => policy.CheckInput(DocumentPattern().Replace(turn, ""), documents).Blocked);
    }

    public static void Write(string path, GuardrailRates all, IReadOnlyList<GuardrailRates> byCategory, IReadOnlyList<GuardrailRates> byTransform)
    {
        static JsonObject Row(GuardrailRates r)
        {
            var row = new JsonObject { ["blocked"] = ResultsJson.Rate(r.Blocked) };
            if (r.FalseBlocked is { } f) row["false_blocked"] = ResultsJson.Rate(f);
            return row;
        }
        var root = Row(all);
        root["by_category"] = new JsonObject(byCategory.Select(r => KeyValuePair.Create(r.Group, (JsonNode?)Row(r))));
        root["by_transform"] = new JsonObject(byTransform.Select(r => KeyValuePair.Create(r.Group, (JsonNode?)Row(r))));
        AtomicFile.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    [GeneratedRegex(@"<document>(.*?)</document>", RegexOptions.Singleline)]
    private static partial Regex DocumentPattern();
}
