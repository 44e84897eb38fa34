using System.Text.Json.Nodes;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Running;

namespace SharpLM.Evaluation.Suite;

/// <summary>US state capitals: an open question (generate_until, exact_match) and a four-way multiple choice.</summary>
internal static class CapitalsTasks
{
    private const string Source = $"npm:{UsStateCapitals.NamesPackage}@{UsStateCapitals.Version} + npm:{UsStateCapitals.CapitalsPackage}@{UsStateCapitals.Version}";

    public static SuiteTask Generative(IReadOnlyList<StateCapital> capitals)
    {
        const string name = "capitals_qa";
        var documents = capitals.Select(c => new JsonObject { ["state"] = c.State, ["capital"] = c.Capital }).ToList();
        string yaml = $"""
            task: {name}
            {SuiteText.DataFiles(name, "test")}test_split: test
            output_type: generate_until
            doc_to_text: "Question: What is the capital of {"{{state}}"}?\nAnswer:"
            doc_to_target: "{"{{capital}}"}"
            num_fewshot: 3
            generation_kwargs:
              until: ["\n", "Question:"]
              max_gen_toks: 16
              do_sample: false
              temperature: 0
            {SuiteText.StrippedExactMatchScoring}
            """;
        return new SuiteTask(name, yaml, new Dictionary<string, IReadOnlyList<JsonObject>> { ["test"] = documents }, Source, UsStateCapitals.License,
            "the capital of each of the 50 states, answered in free text (3-shot from the other states)");
    }

    /// <summary>Each state with its capital and three capitals of other states, in an order drawn from the seed.</summary>
    public static SuiteTask MultipleChoice(IReadOnlyList<StateCapital> capitals, int seed)
    {
        const string name = "capitals_mc";
        var random = new PythonRandom(seed);
        var documents = new List<JsonObject>();
        foreach (var state in capitals)
        {
            var others = capitals.Where(c => c.Capital != state.Capital).Select(c => c.Capital).Distinct().ToList();
            var choices = random.Sample(others, 3);
            int gold = random.Below(4);
            choices.Insert(gold, state.Capital);
            documents.Add(new JsonObject
            {
                ["state"] = state.State,
                ["capital"] = state.Capital,
                ["choices"] = new JsonArray(choices.Select(c => (JsonNode)c).ToArray()),
                ["gold"] = gold,
            });
        }
        string yaml = $"""
            task: {name}
            {SuiteText.DataFiles(name, "test")}test_split: test
            output_type: multiple_choice
            doc_to_text: "Question: What is the capital of {"{{state}}"}?\nAnswer:"
            doc_to_choice: choices
            doc_to_target: gold
            metric_list:
              - metric: acc
                aggregation: mean
                higher_is_better: true
              - metric: acc_norm
                aggregation: mean
                higher_is_better: true
            metadata:
              version: 1.0

            """;
        return new SuiteTask(name, yaml, new Dictionary<string, IReadOnlyList<JsonObject>> { ["test"] = documents }, Source, UsStateCapitals.License,
            "the capital of each state among four capitals (three distractors from other states), scored by log-likelihood");
    }
}
