using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Running;

namespace SharpLM.Evaluation.Suite;

/// <summary>
/// Long-dialogue consistency: the user states a four-digit fact in turn 1, 20 to 30 turns of small talk follow (sums
/// of small numbers and state capitals), and the last turn asks for the fact again.
/// </summary>
internal static class DialogueTask
{
    public const string Name = "long_dialogue_recall";
    public const int MinFillerTurns = 20;
    public const int MaxFillerTurns = 30;

    private static readonly string[] Facts = ["locker number", "room number", "ticket number", "account PIN", "parking spot number", "badge number"];

    public static SuiteTask Build(IReadOnlyList<StateCapital> capitals, int documents, int seed)
    {
        var random = new PythonRandom(seed);
        var docs = new List<JsonObject>();
        for (int d = 0; d < documents; d++)
        {
            string fact = Facts[random.Below(Facts.Length)];
            string value = (1000 + random.Below(9000)).ToString(CultureInfo.InvariantCulture);
            int filler = MinFillerTurns + random.Below(MaxFillerTurns - MinFillerTurns + 1);
            var text = new StringBuilder();
            text.Append($"User: Please remember this: my {fact} is {value}.\nAssistant: Noted, your {fact} is {value}.\n");
            for (int t = 0; t < filler; t++)
            {
                if (random.Below(2) == 0 || capitals.Count == 0)
                {
                    // Small sums keep every other number in the dialogue far from four digits.
                    int a = 1 + random.Below(49), b = 1 + random.Below(49);
                    text.Append($"User: What is {a} plus {b}?\nAssistant: {a} plus {b} is {a + b}.\n");
                }
                else
                {
                    var state = capitals[random.Below(capitals.Count)];
                    text.Append($"User: What is the capital of {state.State}?\nAssistant: The capital of {state.State} is {state.Capital}.\n");
                }
            }
            text.Append($"User: What is my {fact}?\nAssistant: Your {fact} is");
            docs.Add(new JsonObject
            {
                ["fact"] = fact,
                ["value"] = value,
                ["fact_turn"] = 1,
                ["question_turn"] = filler + 2,
                ["dialogue"] = text.ToString(),
            });
        }
        string yaml = $"""
            task: {Name}
            {SuiteText.DataFiles(Name, "test")}test_split: test
            output_type: generate_until
            doc_to_text: "{"{{dialogue}}"}"
            doc_to_target: "{"{{value}}"}"
            generation_kwargs:
              until: ["\n", "User:"]
              max_gen_toks: 16
              do_sample: false
              temperature: 0
            filter_list:
              - name: first-number
                filter:
                  - function: regex
                    regex_pattern: "([0-9]+)"
                  - function: take_first
            metric_list:
              - metric: exact_match
                aggregation: mean
                higher_is_better: true
            metadata:
              version: 1.0

            """;
        return new SuiteTask(Name, yaml, new Dictionary<string, IReadOnlyList<JsonObject>> { ["test"] = docs },
            $"generated; small talk uses npm:{UsStateCapitals.CapitalsPackage}@{UsStateCapitals.Version}", "CC0-1.0",
            $"a four-digit fact stated in turn 1 and asked for after {MinFillerTurns}-{MaxFillerTurns} turns of small talk");
    }
}
