using System.Text;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Sources;

namespace SharpLM.Evaluation.Suite;

/// <summary>
/// Bits per byte (and word and byte perplexity) on the most recent State of the Union addresses, which a model trained
/// on older ones has not seen: each document is an address's opening, cut at a sentence end.
/// </summary>
internal static class SotuBitsPerByteTask
{
    public const string Name = "sotu_bits_per_byte";

    /// <param name="addresses">How many of the latest addresses are held out and scored.</param>
    /// <param name="characters">Characters kept of each address (whole sentences, at least one).</param>
    public static SuiteTask Build(IReadOnlyList<Document> stateOfTheUnion, int addresses, int characters)
    {
        var latest = ByYear(stateOfTheUnion).TakeLast(addresses).ToList();
        if (latest.Count == 0) throw new SharpLMException("the State of the Union data set has no addresses to hold out.");
        var documents = latest.Select(d => new JsonObject
        {
            ["id"] = d.Id,
            ["year"] = Year(d),
            ["president"] = d.Meta?.GetValueOrDefault("name") ?? "",
            ["text"] = Opening(d.Text, characters),
        }).ToList();
        string yaml = $"""
            task: {Name}
            {SuiteText.DataFiles(Name, "test")}test_split: test
            output_type: loglikelihood_rolling
            doc_to_text: ""
            doc_to_target: "{"{{text}}"}"
            metric_list:
              - metric: word_perplexity
              - metric: byte_perplexity
              - metric: bits_per_byte
            metadata:
              version: 1.0

            """;
        var sotu = StdlibDataset.StateOfTheUnion;
        return new SuiteTask(Name, yaml, new Dictionary<string, IReadOnlyList<JsonObject>> { ["test"] = documents },
            $"npm:{sotu.Package}@{sotu.Version}", "PDDL-1.0 AND CC0-1.0",
            $"the opening (about {characters} characters) of each of the {latest.Count} latest State of the Union addresses, scored in rolling windows");
    }

    /// <summary>The addresses oldest first (ties by id): the held-out ones are the last, here and in the needle haystacks.</summary>
    public static List<Document> ByYear(IEnumerable<Document> stateOfTheUnion) =>
        stateOfTheUnion.OrderBy(Year).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();

    private static int Year(Document d) => int.TryParse(d.Meta?.GetValueOrDefault("year"), out int year) ? year : 0;

    /// <summary>Whole sentences up to the budget; the first sentence even when it alone is longer.</summary>
    private static string Opening(string text, int characters)
    {
        var kept = new StringBuilder();
        foreach (string sentence in SuiteText.Sentences(text))
        {
            if (kept.Length > 0 && kept.Length + 1 + sentence.Length > characters) break;
            if (kept.Length > 0) kept.Append(' ');
            kept.Append(sentence);
        }
        return kept.ToString();
    }
}
