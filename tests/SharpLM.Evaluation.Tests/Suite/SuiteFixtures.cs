using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Suite;

namespace SharpLM.Evaluation.Tests.Suite;

/// <summary>Small stand-ins for the stdlib lists: a dozen states, AFINN-shaped entries and eight short addresses.</summary>
internal static class SuiteFixtures
{
    public static readonly StateCapital[] Capitals =
    [
        new("Alabama", "Montgomery"), new("Alaska", "Juneau"), new("Arizona", "Phoenix"), new("Arkansas", "Little Rock"),
        new("California", "Sacramento"), new("Colorado", "Denver"), new("Connecticut", "Hartford"), new("Delaware", "Dover"),
        new("Florida", "Tallahassee"), new("Georgia", "Atlanta"), new("Ohio", "Columbus"), new("Texas", "Austin"),
    ];

    public static readonly AfinnEntry[] Afinn =
    [
        .. Enumerable.Range(0, 30).Select(i => new AfinnEntry($"good{i}", 2 + i % 4)),
        .. Enumerable.Range(0, 30).Select(i => new AfinnEntry($"bad{i}", -2 - i % 4)),
        new("does not work", -3), new("meh", 1), new("hmm", -1),
    ];

    /// <summary>Addresses of varied sentence lengths, years 2001-2008.</summary>
    public static IReadOnlyList<Document> StateOfTheUnion()
    {
        string[] words = ["the", "union", "people", "congress", "nation", "strong", "today", "future", "freedom", "work", "children", "peace"];
        return Enumerable.Range(0, 8).Select(a =>
        {
            var random = new Random(a);
            var sentences = Enumerable.Range(0, 120).Select(s =>
                string.Join(" ", Enumerable.Range(0, 3 + random.Next(12)).Select(_ => words[random.Next(words.Length)])) + (s % 7 == 3 ? "!" : "."));
            return new Document
            {
                Id = $"sotu/{2001 + a}_president_{a}", Text = "Mr. Speaker, " + string.Join("  ", sentences), Source = "fixture", License = "CC0-1.0",
                Meta = new() { ["year"] = (2001 + a).ToString(), ["name"] = $"President {a}" },
            };
        }).ToList();
    }

    public static SuiteSources Sources() => new(() => Capitals, () => Afinn, StateOfTheUnion);
}
