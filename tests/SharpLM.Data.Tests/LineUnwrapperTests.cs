using System.Text.Json;
using SharpLM.Data.Cleaning;
using SharpLM.Data.Pipeline;
using SharpLM.Data.Tests.Pipeline;

namespace SharpLM.Data.Tests;

public class LineUnwrapperTests
{
    /// <summary>Wraps text at <paramref name="width"/> characters on word boundaries, as plain-text books are.</summary>
    private static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (string word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        lines.Add(line.ToString());
        return string.Join('\n', lines);
    }

    private static string Paragraph(int seed) => PipelineFixture.Prose(new Random(seed), 6).Replace('\n', ' ').Replace("  ", " ");

    [Fact]
    public void Wrapped_paragraphs_become_one_line_each_with_their_words_unchanged()
    {
        string first = Paragraph(1), second = Paragraph(2);
        string wrapped = Wrap(first, 70) + "\n\n" + Wrap(second, 70);
        int breaks = wrapped.Count(c => c == '\n') - 2;

        string unwrapped = LineUnwrapper.Unwrap(wrapped, out int joined);

        Assert.Equal(first + "\n\n" + second, unwrapped);
        Assert.Equal(breaks, joined);
    }

    [Fact]
    public void Verse_lists_quotations_and_short_blocks_keep_their_lines()
    {
        string verse = "Whose woods these are I think I know, his house is in\nThe village though; he will not see me stopping here\nTo watch his woods fill up with snow and falling light.";
        string list = "the crew needs these things before the ship can sail:\n- rope and canvas for the mainsail and the jib\n- salt pork, biscuit and fresh water for a month";
        string quoted = "> the captain wrote that the storm would pass by the morning\n> and that the crew should be ready to sail at first light";
        string signature = "Thanks,\nBob";
        string text = string.Join("\n\n", verse, list, quoted, signature);

        Assert.Equal(text, LineUnwrapper.Unwrap(text, out int joined));
        Assert.Equal(0, joined);
    }

    [Fact]
    public void A_short_line_ends_its_paragraph_and_a_hyphen_at_a_break_is_kept_without_a_space()
    {
        string text = "the ship sailed across the grey sea with a crew that had been to the far-\n"
            + "off islands and back again, and the captain watched the storm gather.\n"
            + "Regards,\n"
            + "the harbour master";
        Assert.Equal("the ship sailed across the grey sea with a crew that had been to the far-off islands and back again, and the captain watched the storm gather.\nRegards,\nthe harbour master",
            LineUnwrapper.Unwrap(text, out int joined));
        Assert.Equal(1, joined);
    }

    [Fact]
    public void In_the_pipeline_C4_keeps_a_wrapped_book_it_would_otherwise_cut_to_pieces()
    {
        string dir = Directory.CreateTempSubdirectory("sharplm-unwrap-").FullName;
        var texts = Enumerable.Range(0, 20).Select(i => string.Join("\n\n", Enumerable.Range(0, 3).Select(p => Wrap(Paragraph(i * 10 + p), 68)))).ToList();
        File.WriteAllLines(Path.Combine(dir, "books.jsonl"), texts.Select((text, i) => JsonSerializer.Serialize(new { id = $"book-{i}", text })));
        var config = PipelineFixture.Config(("books", "books.jsonl")) with
        {
            Dedup = new DedupConfig { Exact = true, MinHash = null },
            Split = new SplitConfig { ValidationFraction = 0 },
        };

        var wrapped = new DataPipeline(config, new DataPipelineRunOptions { BaseDirectory = dir, OutputDirectory = Path.Combine(dir, "wrapped"), Threads = 1 }).Run();
        var unwrapped = new DataPipeline(config with { Clean = config.Clean with { UnwrapLines = true } },
            new DataPipelineRunOptions { BaseDirectory = dir, OutputDirectory = Path.Combine(dir, "unwrapped"), Threads = 1 }).Run();

        // Without unwrapping, C4 drops every line that breaks mid-sentence; with it, only the blank lines between the
        // paragraphs (two per book), which C4 drops as datatrove's does.
        Assert.True(wrapped.Lines["c4.line.no_terminal_punct"] > 100, JsonSerializer.Serialize(wrapped.Lines));
        Assert.Equal(20 * 2, unwrapped.Lines["c4.line.no_terminal_punct"]);
        Assert.Equal(texts.Sum(t => t.Count(c => c == '\n')) - 20 * 4, unwrapped.Lines[LineUnwrapper.Rule]);
        Assert.Equal(20, unwrapped.Sources["books"].DocumentsKept);
        var kept = new PipelineFolder(Path.Combine(dir, "unwrapped")).ShardsOf("train").SelectMany(SharpLM.Core.Formats.Documents.DocumentJsonl.Read).ToList();
        Assert.All(kept, d => Assert.Equal(3, d.Text.Split('\n').Length)); // a line per paragraph
    }
}
