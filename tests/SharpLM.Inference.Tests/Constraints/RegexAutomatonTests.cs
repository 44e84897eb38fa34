using System.Text;
using SharpLM.Core;
using SharpLM.Inference.Constraints;
using SharpLM.Inference.Constraints.Regex;
using DotNetRegex = System.Text.RegularExpressions.Regex;
using DotNetOptions = System.Text.RegularExpressions.RegexOptions;

namespace SharpLM.Inference.Tests.Constraints;

public class RegexAutomatonTests
{
    /// <summary>The oracle: .NET's engine with full-match anchors and ASCII \d \w \s, as the automaton defines them.</summary>
    private static DotNetRegex Oracle(string pattern) => new($"^(?:{pattern})\\z", DotNetOptions.ECMAScript);

    private static bool OracleMatches(DotNetRegex oracle, string text) => oracle.IsMatch(text);

    /// <summary>A random string the automaton accepts, found by walking its states (null when the walk runs long).</summary>
    private static string? Sample(CharState start, Random random, string prefix = "")
    {
        var state = start;
        var text = new StringBuilder(prefix);
        foreach (char c in prefix) state = state!.Step(c);
        for (int steps = 0; steps < 40 && state is not null; steps++)
        {
            if (state.IsComplete && (!state.CanContinue || random.Next(3) == 0)) return text.ToString();
            var options = RandomRegex.Alphabet.Where(c => state.Step(c) is not null).ToList();
            if (options.Count == 0) return null; // only characters outside the test alphabet continue
            char next = options[random.Next(options.Count)];
            text.Append(next);
            state = state.Step(next);
        }
        return null;
    }

    [Fact]
    public void Full_match_agrees_with_dotnet_regex_on_random_patterns_and_strings()
    {
        var random = new Random(1234);
        int matches = 0;
        for (int p = 0; p < 400; p++)
        {
            string pattern = RandomRegex.Pattern(random);
            var automaton = new RegexAutomaton(pattern);
            var oracle = Oracle(pattern);
            for (int s = 0; s < 60; s++)
            {
                string text = RandomRegex.Text(random, 6);
                bool expected = OracleMatches(oracle, text);
                Assert.True(expected == automaton.IsMatch(text), $"pattern /{pattern}/ on \"{text}\": .NET says {expected}");
                if (expected) matches++;
            }
            for (int s = 0; s < 10; s++)
                if (automaton.Start is { } start && Sample(start, random) is { } sample)
                {
                    Assert.True(OracleMatches(oracle, sample), $"pattern /{pattern}/ accepted \"{sample}\", which .NET rejects");
                    matches++;
                }
        }
        Assert.True(matches > 2000, $"only {matches} matching cases: the generator tests too little");
    }

    [Fact]
    public void A_prefix_is_viable_exactly_when_some_extension_matches()
    {
        var random = new Random(99);
        const string Short = "abx0 é";
        for (int p = 0; p < 150; p++)
        {
            string pattern = RandomRegex.Pattern(random, 2);
            var automaton = new RegexAutomaton(pattern);
            var oracle = Oracle(pattern);
            for (int s = 0; s < 20; s++)
            {
                string prefix = RandomRegex.Text(random, 3);
                if (automaton.IsViablePrefix(prefix))
                {
                    // Viable: a walk from the prefix's state reaches a match that .NET confirms (when the walk stays in the test alphabet).
                    if (Sample(automaton.Start!, random, prefix) is { } completed)
                        Assert.True(OracleMatches(oracle, completed), $"/{pattern}/: \"{completed}\" extends viable \"{prefix}\" but .NET rejects it");
                }
                else
                {
                    // Dead: no extension of up to three characters matches.
                    foreach (string suffix in Extensions(Short, 3))
                        Assert.False(OracleMatches(oracle, prefix + suffix), $"/{pattern}/: \"{prefix}\" judged dead but .NET matches \"{prefix + suffix}\"");
                }
            }
        }
    }

    private static IEnumerable<string> Extensions(string alphabet, int maxLength)
    {
        yield return "";
        if (maxLength == 0) yield break;
        foreach (string shorter in Extensions(alphabet, maxLength - 1))
            if (shorter.Length == maxLength - 1)
                foreach (char c in alphabet) yield return shorter + c;
    }

    [Theory]
    [InlineData(@"^\d{3}-\d{4}$", "555-1234", true)]
    [InlineData(@"\d{3}-\d{4}", "555-12345", false)]
    [InlineData(@"(?:ab|cd)+", "abcdab", true)]
    [InlineData(@"[^\n]*", "tab\there", true)]
    [InlineData(@"a{2,3}", "aaaa", false)]
    [InlineData(@"[\]a]+", "]a]", true)]
    [InlineData(@"😀+", "😀😀", true)]
    [InlineData(@".", "😀", true)] // a code point, not a UTF-16 unit
    public void Examples(string pattern, string text, bool expected) => Assert.Equal(expected, new RegexAutomaton(pattern).IsMatch(text));

    [Theory]
    [InlineData("ab(c", "unclosed '(' at position 2")]
    [InlineData("a)b", "unbalanced ')' at position 1")]
    [InlineData("[abc", "unclosed '[' at position 0")]
    [InlineData("*a", "quantifier '*' has nothing to repeat at position 0")]
    [InlineData("a**", "nested quantifier at position 2")]
    [InlineData(@"a\1", @"unsupported escape '\1' at position 1")]
    [InlineData("(?=a)", "only non-capturing groups '(?:' are supported; lookarounds and named groups are not at position 1")]
    [InlineData("a{3,1}", "repetition {3,1} has its maximum below its minimum at position 1")]
    [InlineData("[z-a]", "class range out of order at position 2")]
    [InlineData("a^b", "anchor '^' is only supported at the start (^) or end ($) of the pattern at position 1")]
    public void Bad_patterns_name_the_position(string pattern, string message)
    {
        var error = Assert.Throws<SharpLMException>(() => new RegexAutomaton(pattern));
        Assert.Equal($"regular expression '{pattern}': {message}.", error.Message);
    }

    [Fact]
    public void Negated_classes_never_admit_surrogates()
    {
        var set = CodePointSet.Of('a').Complement();
        Assert.False(set.Contains(0xD800));
        Assert.True(set.Contains(0xE000));
        Assert.True(set.Contains(0x10FFFF));
        Assert.False(set.Contains('a'));
    }
}
