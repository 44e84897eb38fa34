using SharpLM.Data.Filters;

namespace SharpLM.Data.Tests.Filters;

public class C4QualityFilterTests
{
    private static readonly C4QualityFilter Default = new();

    private static readonly string[] GoodLines =
    [
        "The river runs through the old town.",
        "Boats carry goods to the market every day.",
        "Is the bridge open to walkers at night?",
        "Nobody remembers when it was built!",
        "The mayor said \"it will stand for ages.\"",
    ];

    private static string Good(params string[] extra) => string.Join('\n', GoodLines.Concat(extra));

    [Fact]
    public void Clean_document_is_kept_line_for_line()
    {
        var outcome = Default.Apply(Good());
        Assert.True(outcome.Kept);
        Assert.Equal(Good(), outcome.Text);
    }

    [Theory]
    [InlineData("Menu Home About Contact", C4QualityFilter.LineNoTerminalPunct)]
    [InlineData("To be continued in the next part...", C4QualityFilter.LineNoTerminalPunct)]
    [InlineData("Read more.", C4QualityFilter.LineTooFewWords)]
    [InlineData("Please enable JavaScript to view comments.", C4QualityFilter.LineJavascript)]
    [InlineData("By using this site you agree to our Privacy Policy.", C4QualityFilter.LinePolicy)]
    [InlineData("This website uses cookies to improve things.", C4QualityFilter.LinePolicy)]
    [InlineData("   ", C4QualityFilter.LineNoTerminalPunct)]
    public void Bad_lines_are_removed_and_counted(string line, string counter)
    {
        var counters = new FilterCounters();
        var outcome = ((IDocumentFilter)Default).Apply(Good(line), counters);
        Assert.Equal(Good(), outcome.Text);
        Assert.Equal(1, counters.Snapshot()[counter]);
        Assert.Equal(5, counters.Snapshot()[C4QualityFilter.LineKept]);
    }

    [Theory]
    [InlineData("Three words here.", true)]     // exactly min_words_per_line
    [InlineData("Two words.", false)]
    public void Minimum_words_per_line(string line, bool kept) => Assert.Equal(kept, Default.Apply(Good(line)).Text!.Contains(line));

    [Theory]
    [InlineData(1000, true)]
    [InlineData(1001, false)]
    public void Maximum_word_length(int length, bool kept)
    {
        string line = $"A long {new string('w', length)} word.";
        Assert.Equal(kept, Default.Apply(Good(line)).Text!.Contains(line));
    }

    [Fact]
    public void Citations_are_removed_before_the_punctuation_check()
    {
        var outcome = Default.Apply(Good("The town was founded in 1200.[12] It grew fast.[citation needed]", "Its history is long.[edit]"));
        Assert.Contains("The town was founded in 1200. It grew fast.", outcome.Text);
        Assert.Contains("Its history is long.", outcome.Text);
        Assert.DoesNotContain("[", outcome.Text);
    }

    [Theory]
    [InlineData("Lorem ipsum dolor sit amet, consectetur.", C4QualityFilter.LoremIpsum)]
    [InlineData("Use the function f() { return 1; } here.", C4QualityFilter.CurlyBracket)]
    public void Whole_document_rejections(string line, string rule) => Assert.Equal(rule, Default.Apply(Good(line)).RejectedBy);

    [Fact]
    public void Curly_bracket_on_a_removed_line_does_not_reject()
    {
        Assert.True(Default.Apply(Good("var x = { a: 1 }")).Kept);   // no terminal punctuation: removed first
    }

    [Theory]
    [InlineData(5, null)]
    [InlineData(4, C4QualityFilter.MinNumSentences)]
    public void Minimum_sentences(int lines, string? expected) =>
        Assert.Equal(expected, Default.Apply(string.Join('\n', GoodLines.Take(lines))).RejectedBy);

    [Fact]
    public void Sentences_are_counted_within_lines()
    {
        string text = "One is here. Two is here! Three is here? Four is here. Five is here.";
        Assert.True(Default.Apply(text).Kept);
        Assert.False(Default.Apply("One is here. Two is here! Three is here? Four is here.").Kept);
    }

    [Fact]
    public void Sentence_mode_rejoins_with_spaces()
    {
        var filter = new C4QualityFilter(new C4Options { SplitParagraph = false });
        var outcome = filter.Apply("The river runs through the town.\nBoats carry goods to it. Is the bridge open at night? Nobody can tell! It stands still. Share this");
        Assert.Equal("The river runs through the town. Boats carry goods to it. Is the bridge open at night? Nobody can tell! It stands still.", outcome.Text);
    }

    [Fact]
    public void Switches_turn_rules_off()
    {
        var off = new C4QualityFilter(new C4Options
        {
            FilterNoTerminalPunct = false, MinWordsPerLine = null, MinNumSentences = null, FilterLoremIpsum = false,
            FilterJavascript = false, FilterCurlyBracket = false, FilterPolicy = false, RemoveCitations = false, MaxWordLength = null,
        });
        string text = "lorem ipsum\n{ javascript }\nprivacy policy [1]";
        Assert.Equal(text, off.Apply(text).Text);
    }
}
