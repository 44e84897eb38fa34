using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Running;

namespace SharpLM.Evaluation.Suite;

/// <summary>AFINN words and phrases of clear valence (|valence| ≥ 2), half positive and half negative: positive or negative?</summary>
internal static class SentimentTask
{
    public const string Name = "sentiment_afinn";

    public static SuiteTask Build(IReadOnlyList<AfinnEntry> lexicon, int documents, int seed)
    {
        var random = new PythonRandom(seed);
        var positive = lexicon.Where(e => e.Valence >= 2).ToList();
        var negative = lexicon.Where(e => e.Valence <= -2).ToList();
        int half = documents / 2;
        if (positive.Count < documents - half || negative.Count < half)
            throw new SharpLMException($"--documents {documents} asks for more sentiment items than AFINN has ({positive.Count} positive, {negative.Count} negative).");
        var chosen = random.Sample(positive, documents - half).Concat(random.Sample(negative, half)).ToList();
        var order = random.Sample(Enumerable.Range(0, chosen.Count).ToList(), chosen.Count); // a shuffle: labels do not come in runs
        var docs = order.Select(i => new JsonObject
        {
            ["text"] = chosen[i].Text,
            ["valence"] = chosen[i].Valence,
            ["label"] = chosen[i].Valence > 0 ? "positive" : "negative",
        }).ToList();
        string yaml = $"""
            task: {Name}
            {SuiteText.DataFiles(Name, "test")}test_split: test
            output_type: multiple_choice
            doc_to_text: "Phrase: {"{{text}}"}\nSentiment:"
            doc_to_choice: ["negative", "positive"]
            doc_to_target: "{"{{label}}"}"
            metric_list:
              - metric: acc
                aggregation: mean
                higher_is_better: true
            metadata:
              version: 1.0

            """;
        return new SuiteTask(Name, yaml, new Dictionary<string, IReadOnlyList<JsonObject>> { ["test"] = docs },
            $"npm:{AfinnLexicon.Package}@{AfinnLexicon.Version} ({AfinnLexicon.Attribution})", AfinnLexicon.License,
            "AFINN-111 words and phrases of valence at least 2 in magnitude, half positive, half negative: which sentiment?");
    }
}
