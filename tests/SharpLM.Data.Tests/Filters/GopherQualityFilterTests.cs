using SharpLM.Data.Filters;
using SharpLM.Data.Text;
using static SharpLM.Data.Tests.Filters.GeneratedText;

namespace SharpLM.Data.Tests.Filters;

public class GopherQualityFilterTests
{
    private static readonly GopherQualityFilter Default = new();

    private static string? Rejection(string text, GopherQualityFilter? filter = null) => (filter ?? Default).Apply(text).RejectedBy;

    private static string Join(IEnumerable<string> words) => string.Join(' ', words);

    [Fact]
    public void Plain_prose_is_kept_unchanged()
    {
        string text = Join(Prose(60));
        var outcome = Default.Apply(text);
        Assert.True(outcome.Kept);
        Assert.Same(text, outcome.Text);
    }

    [Theory]
    [InlineData(50, null)]
    [InlineData(49, GopherQualityFilter.MinDocWords)]
    public void Minimum_word_count(int words, string? expected) => Assert.Equal(expected, Rejection(Join(Prose(words))));

    [Fact]
    public void Symbol_tokens_do_not_count_as_words()
    {
        // 49 words plus 20 punctuation tokens: still too short.
        var words = Prose(49);
        for (int i = 0; i < 20; i++) words.Insert(2 + i * 2, ";");
        Assert.Equal(GopherQualityFilter.MinDocWords, Rejection(Join(words), new GopherQualityFilter(new GopherQualityOptions { MaxNonAlphaWordsRatio = null })));
    }

    [Theory]
    [InlineData(100_000, null)]
    [InlineData(100_001, GopherQualityFilter.MaxDocWords)]
    public void Maximum_word_count(int words, string? expected) => Assert.Equal(expected, Rejection(Join(Prose(words))));

    [Theory]
    [InlineData(0, null)]                                 // mean exactly 3
    [InlineData(1, GopherQualityFilter.MinAvgWordLength)] // one word shortened: mean below 3
    public void Minimum_mean_word_length(int shortened, string? expected)
    {
        var words = new List<string> { "the", "and" };
        words.AddRange(UniqueWords(48, 3));
        for (int i = 0; i < shortened; i++) words[2 + i] = words[2 + i][..2];
        Assert.Equal(expected, Rejection(Join(words)));
    }

    [Theory]
    [InlineData(0, null)]                                 // 6 + 14×11 + 34×10 = 500 characters over 50 words: mean exactly 10
    [InlineData(1, GopherQualityFilter.MaxAvgWordLength)]
    public void Maximum_mean_word_length(int lengthened, string? expected)
    {
        var words = new List<string> { "the", "and" };
        words.AddRange(UniqueWords(14, 11));
        words.AddRange(UniqueWords(34, 10, from: 100));
        for (int i = 0; i < lengthened; i++) words[2 + i] += "x";
        Assert.Equal(expected, Rejection(Join(words)));
    }

    [Theory]
    [InlineData("#", 10, null)]                                   // 10 of 100 tokens
    [InlineData("#", 11, GopherQualityFilter.HashRatio)]          // 11 of 101
    [InlineData("...", 10, null)]
    [InlineData("...", 11, GopherQualityFilter.EllipsisRatio)]
    [InlineData("…", 11, GopherQualityFilter.EllipsisRatio)]
    public void Symbol_to_word_ratio(string symbol, int count, string? expected)
    {
        var words = Prose(90);
        for (int i = 0; i < count; i++) words.Insert(1 + i * 3, symbol);
        Assert.Equal(expected, Rejection(Join(words)));
    }

    [Theory]
    [InlineData("- ", 9, null)]                               // 9 of 10 lines: exactly the 0.9 limit
    [InlineData("- ", 10, GopherQualityFilter.BulletLines)]
    [InlineData("  • ", 10, GopherQualityFilter.BulletLines)]
    public void Bullet_lines(string bullet, int bulleted, string? expected)
    {
        var words = Prose(100);
        var lines = Enumerable.Range(0, 10).Select(i => (i < bulleted ? bullet : "") + Join(words.Skip(i * 10).Take(10)));
        Assert.Equal(expected, Rejection(string.Join('\n', lines)));
    }

    [Theory]
    [InlineData("...", 3, null)]                              // 3 of 10 lines: exactly the 0.3 limit
    [InlineData("...", 4, GopherQualityFilter.EllipsisLines)]
    [InlineData("…  ", 4, GopherQualityFilter.EllipsisLines)]
    public void Lines_ending_with_an_ellipsis(string ending, int ended, string? expected)
    {
        var words = Prose(100);
        var lines = Enumerable.Range(0, 10).Select(i => Join(words.Skip(i * 10).Take(10)) + (i < ended ? ending : "."));
        Assert.Equal(expected, Rejection(string.Join("\r\n", lines)));
    }

    [Theory]
    [InlineData(20, null)]                                    // 80 of 100 tokens alphabetic: exactly the limit
    [InlineData(21, GopherQualityFilter.AlphaWords)]
    public void Alphabetic_word_fraction(int numbers, string? expected)
    {
        var words = Prose(100);
        for (int i = 0; i < numbers; i++) words[2 + i] = (100 + i).ToString();
        Assert.Equal(expected, Rejection(Join(words)));
    }

    [Theory]
    [InlineData("the and", null)]
    [InlineData("the", GopherQualityFilter.StopWords)]
    [InlineData("The And", GopherQualityFilter.StopWords)]   // case-sensitive, as in datatrove
    [InlineData("with have", null)]
    public void Stop_words(string stopWords, string? expected)
    {
        var words = UniqueWords(50, 5).ToList();
        words.AddRange(stopWords.Split(' '));
        Assert.Equal(expected, Rejection(Join(words)));
    }

    [Fact]
    public void Switched_off_rules_never_fire()
    {
        var off = new GopherQualityFilter(new GopherQualityOptions
        {
            MinDocWords = null, MaxDocWords = null, MinAvgWordLength = null, MaxAvgWordLength = null, MaxSymbolWordRatio = null,
            MaxBulletLinesRatio = null, MaxEllipsisLinesRatio = null, MaxNonAlphaWordsRatio = null, MinStopWords = null,
        });
        foreach (string text in new[] { "", "# # # ...", "- a\n- b...", "1 2 3", "x" }) Assert.True(off.Apply(text).Kept, text);
    }

    [Fact]
    public void Empty_text_fails_the_first_rule()
    {
        Assert.Equal(GopherQualityFilter.MinDocWords, Rejection(""));
    }

    [Fact]
    public void Rules_list_every_rejection_name()
    {
        Assert.Equal(10, Default.Rules.Count);
        Assert.All(Default.Rules, r => Assert.StartsWith("gopher_quality.", r));
        Assert.Equal(Default.Rules.Count, Default.Rules.Distinct().Count());
    }

    [Theory]
    [InlineData("Hello, world!", "Hello|,|world|!")]
    [InlineData("don't stop well-known 3.14 1,000", "don't|stop|well-known|3.14|1,000")]
    [InlineData("end... #tag --x", "end|...|#|tag|--|x")]
    [InlineData("a.b 1.2.3 e.g.", "a|.|b|1.2.3|e|.|g|.")]
    [InlineData("  \n\t ", "")]
    [InlineData("naïve café 😀", "naïve|café|😀")]
    public void Tokenizer_splits_words_and_symbol_runs(string text, string expected)
    {
        var tokens = new List<string>();
        int position = 0;
        while (WordTokenizer.Next(text, ref position, out int start, out int length, out _)) tokens.Add(text.Substring(start, length));
        Assert.Equal(expected, string.Join('|', tokens));
    }
}
