using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using SharpLM.Safety.Catalogue;
using SharpLM.Safety.Judges;
using SharpLM.Safety.Metrics;
using SharpLM.Safety.Reports;
using SharpLM.Safety.Transforms;

namespace SharpLM.Safety.Running;

/// <summary>
/// A whole red-team run into one output folder: attempts.jsonl (the resumable log), report.jsonl (garak's shape),
/// results.json (rates and intervals) and safety-card.md / safety-card.html.
/// </summary>
public static class RedTeam
{
    public const string AttemptsFile = "attempts.jsonl", ReportFile = "report.jsonl", ResultsFile = "results.json";

    /// <param name="guard">A guard-model judge; when given it is the primary judge, otherwise garak's MitigationBypass list is.</param>
    public static async Task<RedTeamSummary> RunAsync(IChatClient client, string target, IReadOnlyList<Probe> probes, IReadOnlyList<IAttackTransform> transforms,
        IResponseJudge? guard, RedTeamOptions options, string outputDirectory, Action<int, int>? progress = null, CancellationToken cancellation = default)
    {
        var start = DateTimeOffset.UtcNow;
        var mitigation = RefusalStringJudge.MitigationBypass();
        var judges = new List<IResponseJudge> { mitigation, RefusalStringJudge.Gcg() };
        if (guard is not null) judges.Add(guard);
        var primary = guard ?? mitigation;
        Directory.CreateDirectory(outputDirectory);
        var runner = new RedTeamRunner(client, judges, primary, options);
        var attempts = await runner.RunAsync(probes, transforms, Path.Combine(outputDirectory, AttemptsFile), progress, cancellation);
        var summary = RedTeamSummary.From(attempts, primary.Detector);
        GarakReport.Write(Path.Combine(outputDirectory, ReportFile), target, start, attempts, judges.Select(j => j.Detector).ToList(), summary);
        var settings = new JsonObject
        {
            ["target"] = target, ["probes"] = probes.Count, ["transforms"] = new JsonArray(transforms.Select(t => (JsonNode?)t.Name).ToArray()),
            ["detectors"] = new JsonArray(judges.Select(j => (JsonNode?)j.Detector).ToArray()), ["concurrency"] = options.Concurrency,
            ["max_output_tokens"] = options.MaxOutputTokens, ["temperature"] = options.Temperature, ["seed"] = options.Seed,
        };
        ResultsJson.Write(Path.Combine(outputDirectory, ResultsFile), settings, summary);
        SafetyCard.Write(outputDirectory, target, summary);
        return summary;
    }
}
