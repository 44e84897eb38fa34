namespace SharpLM.Tokenizers.Tests;

/// <summary>Small generated corpora, so tests need no downloads.</summary>
public static class TestCorpus
{
    private static readonly string[] Subjects = ["the whale", "a sailor", "the captain", "our ship", "the sea", "Ishmael", "the crew"];
    private static readonly string[] Verbs = ["follows", "sees", "fears", "loves", "hunts", "watches", "remembers"];
    private static readonly string[] Objects = ["the harpoon", "a storm", "the white whale", "the horizon", "its shadow", "the deck"];

    public static List<string> Sentences(int documents, int seed = 7)
    {
        var random = new Random(seed);
        var result = new List<string>();
        for (int d = 0; d < documents; d++)
        {
            var sentences = Enumerable.Range(0, 5 + random.Next(5)).Select(_ =>
                $"{Capitalize(Subjects[random.Next(Subjects.Length)])} {Verbs[random.Next(Verbs.Length)]} {Objects[random.Next(Objects.Length)]} in {1800 + random.Next(100)}.");
            result.Add(string.Join(" ", sentences) + (d % 3 == 0 ? "\n\n  Émile's café — naïve 東京 🐋!" : ""));
        }
        return result;
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
