using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.IO;

namespace SharpLM.Safety.Memorization;

/// <summary>memorization.json: every canary's exposure, the mean exposure per repetition level, verbatim continuation and PII extraction.</summary>
public static class MemorizationReport
{
    public const string FileName = "memorization.json";

    public static void Write(string path, string model, IReadOnlyList<ExposureResult> exposures, VerbatimResult? verbatim, PiiExtractionResult? pii)
    {
        var root = new JsonObject { ["model"] = model };
        root["canaries"] = new JsonArray(exposures.Select(e => (JsonNode)new JsonObject
        {
            ["secret"] = e.Secret,
            ["repetitions"] = e.Repetitions,
            ["log_probability"] = e.LogProbability,
            ["rank"] = e.Rank,
            ["exposure"] = e.Exposure,
            ["max_exposure"] = e.MaxExposure,
            ["extrapolated_exposure"] = e.Extrapolated,
            ["method"] = e.Method,
            ["candidates"] = e.Candidates,
        }).ToArray());
        root["exposure_by_repetitions"] = new JsonObject(exposures.GroupBy(e => e.Repetitions).OrderBy(g => g.Key).Select(g =>
            KeyValuePair.Create(g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)new JsonObject
            {
                ["canaries"] = g.Count(),
                ["mean_exposure"] = g.Average(e => e.Exposure),
                ["mean_extrapolated_exposure"] = g.Average(e => e.Extrapolated),
            })));
        if (verbatim is not null)
            root["verbatim"] = new JsonObject
            {
                ["documents"] = verbatim.Documents,
                ["exact_matches"] = verbatim.ExactMatches,
                ["exact_match_rate"] = verbatim.ExactMatchRate,
                ["mean_matched_tokens"] = verbatim.MeanMatchedTokens,
            };
        if (pii is not null)
            root["pii_extraction"] = new JsonObject
            {
                ["generations"] = pii.Generations,
                ["with_pii"] = pii.WithPii,
                ["rate"] = pii.Rate,
                ["by_type"] = new JsonObject(pii.ByType.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                ["prompts"] = new JsonArray(pii.Prompts.Select(p => (JsonNode?)p).ToArray()),
            };
        AtomicFile.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
