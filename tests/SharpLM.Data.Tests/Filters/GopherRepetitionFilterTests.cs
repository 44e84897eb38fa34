using System.Text.RegularExpressions;
using SharpLM.Data.Filters;
using SharpLM.Data.Text;
using static SharpLM.Data.Tests.Filters.GeneratedText;

namespace SharpLM.Data.Tests.Filters;

public class GopherRepetitionFilterTests
{
    /// <summary>Options with every rule off except the one under test.</summary>
    private static GopherRepetitionFilter Only(Func<GopherRepetitionOptions, GopherRepetitionOptions> enable) =>
        new(enable(new GopherRepetitionOptions { DupLineFrac = null, DupParaFrac = null, DupLineCharFrac = null, DupParaCharFrac = null, TopNGrams = [], DupNGrams = [] }));

    [Theory]
    [InlineData(4, null)]                                          // 3 duplicates of 10 paragraphs
    [InlineData(5, GopherRepetitionFilter.DupParaFrac)]            // 4 of 11
    public void Duplicate_paragraph_fraction(int copies, string? expected)
    {
        var paragraphs = UniqueWords(6, 8).Concat(Enumerable.Repeat("repeated", copies));
        string text = string.Join("\n\n\n", paragraphs);
        Assert.Equal(expected, Only(o => o with { DupParaFrac = 0.3 }).Apply(text).RejectedBy);
    }

    [Theory]
    [InlineData(56, null)]                                         // 20 / (44 + 56) = 0.2
    [InlineData(55, GopherRepetitionFilter.DupParaCharFrac)]       // 20 / 99
    public void Duplicate_paragraph_characters(int fillerLength, string? expected)
    {
        string repeated = new('r', 20);
        string text = $"{repeated}\n\n{repeated}\n\n{new string('f', fillerLength)}";
        Assert.Equal(expected, Only(o => o with { DupParaCharFrac = 0.2 }).Apply(text).RejectedBy);
    }

    [Theory]
    [InlineData(4, null)]
    [InlineData(5, GopherRepetitionFilter.DupLineFrac)]
    public void Duplicate_line_fraction(int copies, string? expected)
    {
        var lines = UniqueWords(6, 8).Concat(Enumerable.Repeat("repeated", copies));
        string text = string.Join("\n\n\n", lines);   // runs of newlines are one line break; no empty lines counted
        Assert.Equal(expected, Only(o => o with { DupLineFrac = 0.3 }).Apply(text).RejectedBy);
    }

    [Theory]
    [InlineData(58, null)]                                         // 20 / (42 + 58) = 0.2
    [InlineData(57, GopherRepetitionFilter.DupLineCharFrac)]
    public void Duplicate_line_characters(int fillerLength, string? expected)
    {
        string repeated = new('r', 20);
        string text = $"{repeated}\n{repeated}\n{new string('f', fillerLength)}";
        Assert.Equal(expected, Only(o => o with { DupLineCharFrac = 0.2 }).Apply(text).RejectedBy);
    }

    [Theory]
    [InlineData(2, "xy zw", 4, 0.2, 100)]          // 5 chars × 4 = 20 of 100
    [InlineData(3, "ab cd ef", 9, 0.18, 400)]      // 8 × 9 = 72 of 400
    [InlineData(4, "ab cd ef gh", 4, 0.16, 275)]   // 11 × 4 = 44 of 275
    public void Most_frequent_n_gram_characters(int n, string nGram, int count, double fraction, int exactLength)
    {
        string prefix = string.Join(' ', Enumerable.Repeat(nGram, count));
        var filter = Only(o => o with { TopNGrams = [new NGramThreshold(n, fraction)] });
        Assert.Null(filter.Apply(PadTo(prefix, exactLength)).RejectedBy);
        Assert.Equal($"gopher_repetition.top_{n}_gram", filter.Apply(PadTo(prefix, exactLength - 1)).RejectedBy);
    }

    [Theory]
    [InlineData(5, 0.15, 60)]     // "a b c d e" repeated once: 9 chars of 60
    [InlineData(6, 0.14, 79)]     // 11/79 = 0.139; 11/78 = 0.141
    [InlineData(10, 0.10, 190)]
    public void Duplicated_n_gram_characters(int n, double fraction, int exactLength)
    {
        var words = Enumerable.Range(0, n).Select(i => ((char)('a' + i)).ToString()).ToArray();
        string sequence = string.Join(' ', words);
        string prefix = sequence + " " + sequence;
        var filter = Only(o => o with { DupNGrams = [new NGramThreshold(n, fraction)] });
        Assert.Null(filter.Apply(PadTo(prefix, exactLength)).RejectedBy);
        Assert.Equal($"gopher_repetition.duplicated_{n}_n_grams", filter.Apply(PadTo(prefix, exactLength - 1)).RejectedBy);
    }

    [Fact]
    public void Overlapping_repeats_are_counted_once_per_jump()
    {
        // 12 identical words: the scan finds a repeat at word 1 (jump to 6) and at word 6 (jump to 11): 2 × 9 characters.
        string text = string.Join(' ', Enumerable.Repeat("a", 12));   // 23 characters
        Assert.True(Only(o => o with { DupNGrams = [new NGramThreshold(5, 18 / 23.0)] }).Apply(text).Kept);
        Assert.False(Only(o => o with { DupNGrams = [new NGramThreshold(5, 17.9 / 23.0)] }).Apply(text).Kept);
    }

    [Fact]
    public void Matches_a_straightforward_reference_implementation_on_random_documents()
    {
        var random = new Random(7);
        string[] vocabulary = ["the", "cat", "sat", "on", "mat", "and", "dog", ".", ",", "ran"];
        var filter = new GopherRepetitionFilter();
        var options = new GopherRepetitionOptions();
        var rejectionsSeen = new HashSet<string>();
        for (int doc = 0; doc < 400; doc++)
        {
            int paragraphs = random.Next(1, 6);
            var parts = new List<string>();
            var allLines = new List<string>();
            for (int p = 0; p < paragraphs; p++)
            {
                if (parts.Count > 0 && random.NextDouble() < 0.15) { parts.Add(parts[random.Next(parts.Count)]); continue; }
                int lines = random.Next(1, 4);
                var lineTexts = new List<string>();
                for (int l = 0; l < lines; l++)
                {
                    if (allLines.Count > 0 && random.NextDouble() < 0.1) { lineTexts.Add(allLines[random.Next(allLines.Count)]); continue; }
                    int words = random.Next(1, 4 + doc % 40);
                    // Small vocabularies make repeats common; unique words keep some documents clean.
                    int uniqueFrom = random.Next(100000);
                    lineTexts.Add(string.Join(' ', Enumerable.Range(0, words).Select(i =>
                        random.NextDouble() < 0.6 ? vocabulary[random.Next(doc % 7 + 3)] : UniqueWord(uniqueFrom + i, 8))));
                    allLines.Add(lineTexts[^1]);
                }
                parts.Add(string.Join('\n', lineTexts));
            }
            string text = string.Join("\n\n", parts);
            string? expected = ReferenceRepetition.Check(text, options);
            Assert.Equal(expected, filter.Apply(text).RejectedBy);
            rejectionsSeen.Add(expected ?? "kept");
        }
        Assert.True(rejectionsSeen.Count >= 5, string.Join(", ", rejectionsSeen));
    }

    /// <summary>A direct transcription of the published algorithm over strings, as an oracle.</summary>
    private static class ReferenceRepetition
    {
        public static string? Check(string text, GopherRepetitionOptions o)
        {
            var paragraphs = Regex.Split(text.Trim(), @"\n{2,}");
            var (paraDup, paraChars) = Duplicates(paragraphs);
            if ((double)paraDup / paragraphs.Length > o.DupParaFrac) return GopherRepetitionFilter.DupParaFrac;
            if ((double)paraChars / text.Length > o.DupParaCharFrac) return GopherRepetitionFilter.DupParaCharFrac;
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var (lineDup, lineChars) = Duplicates(lines);
            if ((double)lineDup / lines.Length > o.DupLineFrac) return GopherRepetitionFilter.DupLineFrac;
            if ((double)lineChars / text.Length > o.DupLineCharFrac) return GopherRepetitionFilter.DupLineCharFrac;
            var words = Tokens(text);
            foreach (var (n, fraction) in o.TopNGrams)
            {
                var grams = NGrams(words, n);
                if (grams.Count == 0) continue;
                var counts = grams.GroupBy(g => g).ToDictionary(g => g.Key, g => g.Count());
                int best = counts.Values.Max();
                string top = grams.First(g => counts[g] == best);
                if ((double)top.Length * best / text.Length > fraction) return $"gopher_repetition.top_{n}_gram";
            }
            foreach (var (n, fraction) in o.DupNGrams)
            {
                var grams = NGrams(words, n);
                if (grams.Count == 0) continue;
                var seen = new HashSet<string>();
                long repeated = 0;
                int i = 0;
                while (i < grams.Count)
                {
                    if (seen.Add(grams[i])) { i++; continue; }
                    repeated += grams[i].Length;
                    i += n;
                }
                if ((double)repeated / text.Length > fraction) return $"gopher_repetition.duplicated_{n}_n_grams";
            }
            return null;
        }

        private static (int, long) Duplicates(IEnumerable<string> items)
        {
            var seen = new HashSet<string>();
            int count = 0;
            long chars = 0;
            foreach (string item in items)
                if (!seen.Add(item)) { count++; chars += item.Length; }
            return (count, chars);
        }

        private static List<string> NGrams(List<string> words, int n) =>
            Enumerable.Range(0, Math.Max(0, words.Count - n + 1)).Select(i => string.Join(' ', words.GetRange(i, n))).ToList();

        private static List<string> Tokens(string text)
        {
            var tokens = new List<string>();
            int position = 0;
            while (WordTokenizer.Next(text, ref position, out int start, out int length, out _)) tokens.Add(text.Substring(start, length));
            return tokens;
        }
    }
}
