using System.Text;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data;
using SharpLM.Data.Cleaning;

namespace SharpLM.Data.Tests;

public class CleaningTests
{
    private readonly TextCleaner _cleaner = new();

    [Theory]
    [InlineData("cafe\u0301", "café")]                                   // NFC composes
    [InlineData("a  b\t\tc", "a b c")]                                    // runs of spaces collapse
    [InlineData("line one\r\nline two\rthree", "line one\nline two\nthree")]
    [InlineData("para 1\n\n\n\n\npara 2", "para 1\n\npara 2")]           // at most one blank line
    [InlineData("  padded  \n", "padded")]
    [InlineData("bell\u0007 and nul\u0000 gone", "bell and nul gone")]
    [InlineData("zero\u200Bwidth", "zerowidth")]                          // format character dropped
    [InlineData("family 👩\u200D👩\u200D👧", "family 👩\u200D👩\u200D👧")] // but joiners inside emoji stay
    [InlineData("no\u00A0break", "no break")]
    [InlineData("nel\u0085line\u2028sep\u2029para", "nel\nline\nsep\n\npara")] // Unicode line breaks are breaks
    [InlineData("page one\fpage two", "page one\n\npage two")]                     // a form feed ends a paragraph
    public void Cleans_text(string input, string expected) => Assert.Equal(expected, _cleaner.Clean(input));

    [Fact]
    public void Unpaired_surrogates_are_dropped_and_pairs_kept()
    {
        // Built from chars, not InlineData: the test runner's serialisation would already mangle lone surrogates.
        string input = "lone " + '\uD800' + "surrogate " + '\uDC00' + "gone \uD83D\uDE00";
        Assert.Equal("lone surrogate gone \uD83D\uDE00", _cleaner.Clean(input));
    }

    [Fact]
    public void Nfkc_is_available_when_asked_for()
    {
        Assert.Equal("ﬁ", _cleaner.Clean("ﬁ"));
        Assert.Equal("fi", new TextCleaner(NormalizationForm.FormKC).Clean("ﬁ"));
    }

    [Fact]
    public void Pipeline_drops_exact_duplicates_after_cleaning_and_empty_documents()
    {
        Document Doc(string id, string text) => new() { Id = id, Text = text, Source = "test", License = "CC0-1.0" };
        var pipeline = new CleaningPipeline();
        var kept = pipeline.Run([Doc("1", "Call me Ishmael."), Doc("2", "Call  me\u00A0Ishmael.  "), Doc("3", " \n\t "), Doc("4", "Another text.")]).ToList();
        Assert.Equal(new[] { "1", "4" }, kept.Select(d => d.Id));
        var stats = pipeline.Statistics;
        Assert.Equal((4, 2, 1, 1), (stats.DocumentsIn, stats.DocumentsOut, stats.Empty, stats.ExactDuplicates));
    }
}
