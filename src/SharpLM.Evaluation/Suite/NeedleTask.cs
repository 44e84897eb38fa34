using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Running;

namespace SharpLM.Evaluation.Suite;

/// <summary>
/// A RULER-style needle in a haystack: "One of the special magic numbers for KEY is: VALUE." hidden in State of the Union
/// sentences at a depth, and asked for after the text. One document per cell of the grid of haystack lengths (25, 50, 75
/// and 100% of the model's context) by depths (0, 10, ..., 100% of the haystack); each carries <c>context_length</c> (the
/// grid length, in <c>context_length_unit</c>: the model's tokens, or words without a tokenizer) and <c>depth_percent</c>.
/// </summary>
internal static class NeedleTask
{
    public const string Name = "needle_haystack";
    public const int MaxGenTokens = 16;
    public static readonly int[] LengthPercents = [25, 50, 75, 100];
    public static readonly int[] DepthPercents = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

    private static readonly string[] Adjectives = ["quiet", "amber", "silver", "brisk", "hollow", "crimson", "gentle", "distant", "frozen", "golden", "narrow", "velvet"];
    private static readonly string[] Nouns = ["harbor", "lantern", "meadow", "falcon", "canyon", "orchard", "compass", "glacier", "violin", "beacon", "thicket", "summit"];

    public static string Needle(string key, string value) => $"One of the special magic numbers for {key} is: {value}.";

    /// <summary>The prompt exactly as the task's doc_to_text renders it.</summary>
    public static string Prompt(string context, string key) =>
        $"{context}\nWhat is the special magic number for {key} mentioned in the text above?\nThe special magic number for {key} is";

    /// <param name="heldOut">The latest addresses, kept out of the haystacks (they are the bits-per-byte task's text).</param>
    public static SuiteTask Build(IReadOnlyList<Document> stateOfTheUnion, SuiteOptions options, int heldOut, int seed)
    {
        var addresses = SotuBitsPerByteTask.ByYear(stateOfTheUnion).SkipLast(heldOut).ToList();
        if (addresses.Count == 0) throw new SharpLMException("the State of the Union data set has too few addresses for the needle haystacks.");
        var sentences = new Dictionary<int, List<string>>();
        List<string> SentencesOf(int address) =>
            sentences.TryGetValue(address, out var list) ? list : sentences[address] = SuiteText.Sentences(addresses[address].Text);
        var random = new PythonRandom(seed);
        var documents = new List<JsonObject>();
        foreach (int lengthPercent in LengthPercents)
        {
            int length = (int)Math.Round(options.MaxLength * lengthPercent / 100.0, MidpointRounding.AwayFromZero);
            foreach (int depth in DepthPercents)
            {
                string key = $"{Adjectives[random.Below(Adjectives.Length)]}-{Nouns[random.Below(Nouns.Length)]}";
                string value = (1_000_000 + random.Below(9_000_000)).ToString(CultureInfo.InvariantCulture);
                string needle = Needle(key, value);
                int budget = length - MaxGenTokens - options.Count(Prompt(needle, key));
                if (budget < 0)
                    throw new SharpLMException(
                        $"--max-length {options.MaxLength} is too short for {Name}: a haystack of {lengthPercent}% ({length} {options.LengthUnit}) leaves no room for the needle, the question and {MaxGenTokens} generated tokens.");
                // Consecutive sentences from a random place, running on into the next addresses.
                int address = random.Below(addresses.Count), at = random.Below(Math.Max(1, SentencesOf(address).Count));
                var haystack = new List<(string Sentence, int Units)>();
                int total = 0;
                for (int guard = 0; guard < addresses.Count + 1; guard++)
                {
                    var list = SentencesOf(address);
                    for (; at < list.Count; at++)
                    {
                        int units = options.Count(" " + list[at]);
                        if (total + units > budget) goto full;
                        haystack.Add((list[at], units));
                        total += units;
                    }
                    address = (address + 1) % addresses.Count;
                    at = 0;
                }
                full:
                string context = Assemble(haystack, needle, depth, total, out int unitsBefore);
                // Sentence counts add up to the joined text's count only nearly (tokens can merge across a join): trim to fit.
                while (haystack.Count > 0 && options.Count(Prompt(context, key)) > length - MaxGenTokens)
                {
                    haystack.RemoveAt(haystack.Count - 1);
                    total = haystack.Sum(h => h.Units);
                    context = Assemble(haystack, needle, depth, total, out unitsBefore);
                }
                documents.Add(new JsonObject
                {
                    ["context_length"] = length,
                    ["context_length_unit"] = options.LengthUnit,
                    ["depth_percent"] = depth,
                    ["key"] = key,
                    ["value"] = value,
                    ["haystack_length"] = total,
                    ["needle_position"] = unitsBefore,
                    ["prompt_length"] = options.Count(Prompt(context, key)),
                    ["context"] = context,
                });
            }
        }
        string yaml = $"""
            task: {Name}
            {SuiteText.DataFiles(Name, "test")}test_split: test
            output_type: generate_until
            doc_to_text: "{"{{context}}"}\nWhat is the special magic number for {"{{key}}"} mentioned in the text above?\nThe special magic number for {"{{key}}"} is"
            doc_to_target: "{"{{value}}"}"
            generation_kwargs:
              until: ["\n"]
              max_gen_toks: {MaxGenTokens}
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
        var sotu = StdlibDataset.StateOfTheUnion;
        return new SuiteTask(Name, yaml, new Dictionary<string, IReadOnlyList<JsonObject>> { ["test"] = documents },
            $"generated needles in npm:{sotu.Package}@{sotu.Version} sentences", "PDDL-1.0 AND CC0-1.0",
            $"a 7-digit number for a two-word key hidden at depths 0-100% of haystacks of 25-100% of {options.MaxLength} {options.LengthUnit}");
    }

    /// <summary>
    /// Puts the needle after the sentences that fill <paramref name="depth"/>% of the haystack's units (rounded down to a
    /// sentence end, as gkamradt's tester moves it back to the previous period); 100% puts it last.
    /// </summary>
    private static string Assemble(List<(string Sentence, int Units)> haystack, string needle, int depth, int total, out int unitsBefore)
    {
        double target = total * depth / 100.0;
        int k = 0;
        unitsBefore = 0;
        while (k < haystack.Count && unitsBefore + haystack[k].Units <= target)
        {
            unitsBefore += haystack[k].Units;
            k++;
        }
        var text = new StringBuilder();
        for (int i = 0; i <= haystack.Count; i++)
        {
            if (i == k) text.Append(text.Length > 0 ? " " : "").Append(needle);
            if (i < haystack.Count) text.Append(text.Length > 0 ? " " : "").Append(haystack[i].Sentence);
        }
        return text.ToString();
    }
}
