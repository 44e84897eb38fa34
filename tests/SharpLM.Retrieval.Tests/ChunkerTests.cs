using SharpLM.Retrieval.Chunking;

namespace SharpLM.Retrieval.Tests;

public class ChunkerTests
{
    private static string Corpus(int paragraphs, int seed)
    {
        var random = new Random(seed);
        string[] words = ["the", "union", "congress", "tariff", "army", "treaty", "revenue", "people", "law", "peace", "nation", "trade"];
        var text = new System.Text.StringBuilder();
        for (int p = 0; p < paragraphs; p++)
        {
            int sentences = random.Next(1, 9);
            for (int s = 0; s < sentences; s++)
            {
                int count = random.Next(3, 30);
                text.Append(char.ToUpperInvariant(words[random.Next(words.Length)][0])).Append(words[random.Next(words.Length)][1..]);
                for (int w = 1; w < count; w++) text.Append(' ').Append(words[random.Next(words.Length)]);
                text.Append(random.Next(4) == 0 ? "?  " : ". ");
            }
            text.Append(random.Next(3) == 0 ? "\n\n\n" : "\n\n");
        }
        return text.ToString();
    }

    [Theory]
    [InlineData(20, 0, 1)]
    [InlineData(40, 10, 2)]
    [InlineData(60, 20, 3)]
    public void Chunk_text_is_exactly_its_source_span_and_within_budget(int maxTokens, int overlap, int seed)
    {
        string text = Corpus(12, seed);
        var chunks = new Chunker(new ChunkingOptions { MaxTokens = maxTokens, OverlapTokens = overlap }).Split("doc", text);
        Assert.NotEmpty(chunks);
        for (int i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            Assert.Equal(i, chunk.Index);
            Assert.Equal(text[chunk.CharStart..chunk.CharEnd], chunk.Text);
            Assert.True(TokenCounter.Words(chunk.Text) <= maxTokens, $"chunk {i} has {TokenCounter.Words(chunk.Text)} tokens");
            Assert.False(char.IsWhiteSpace(chunk.Text[0]) || char.IsWhiteSpace(chunk.Text[^1]));
            if (i > 0) Assert.True(chunk.CharStart > chunks[i - 1].CharStart && chunk.CharEnd > chunks[i - 1].CharEnd);
        }
        // Every word of the text lies in some chunk.
        foreach (System.Text.RegularExpressions.Match word in System.Text.RegularExpressions.Regex.Matches(text, @"\w+"))
            Assert.Contains(chunks, c => c.CharStart <= word.Index && word.Index + word.Length <= c.CharEnd);
    }

    [Fact]
    public void Paragraphs_that_fit_are_kept_whole_and_long_ones_fall_to_sentences()
    {
        // Tokens: 10, 5, then a 21-token paragraph that splits into sentences of 9, 5 and 7.
        string text = "One two three four five. Six seven eight.\n\nNine ten eleven twelve.\n\n"
            + "Alpha beta gamma delta epsilon zeta eta theta. Iota kappa lambda mu. Nu xi omicron pi rho sigma.";
        var chunks = new Chunker(new ChunkingOptions { MaxTokens = 14, OverlapTokens = 6 }).Split("d", text);
        Assert.Equal(
        [
            "One two three four five. Six seven eight.",
            "Nine ten eleven twelve.\n\nAlpha beta gamma delta epsilon zeta eta theta.",
            "Iota kappa lambda mu. Nu xi omicron pi rho sigma.",
        ], chunks.Select(c => c.Text));
    }

    [Fact]
    public void Each_chunk_starts_with_the_last_sentences_of_the_previous_within_the_overlap()
    {
        string text = "A b c d. E f g h. I j k l. M n o p.";
        var chunks = new Chunker(new ChunkingOptions { MaxTokens = 12, OverlapTokens = 6 }).Split("d", text);
        Assert.Equal(["A b c d. E f g h.", "E f g h. I j k l.", "I j k l. M n o p."], chunks.Select(c => c.Text));
        var noOverlap = new Chunker(new ChunkingOptions { MaxTokens = 12, OverlapTokens = 0 }).Split("d", text);
        Assert.Equal(["A b c d. E f g h.", "I j k l. M n o p."], noOverlap.Select(c => c.Text));
    }

    [Fact]
    public void A_sentence_longer_than_the_budget_is_cut_into_runs_of_words()
    {
        string text = string.Join(' ', Enumerable.Range(1, 25).Select(i => $"w{i}"));
        var chunks = new Chunker(new ChunkingOptions { MaxTokens = 10, OverlapTokens = 0 }).Split("d", text);
        Assert.Equal(["w1 w2 w3 w4 w5 w6 w7 w8 w9 w10", "w11 w12 w13 w14 w15 w16 w17 w18 w19 w20", "w21 w22 w23 w24 w25"], chunks.Select(c => c.Text));
    }

    [Fact]
    public void Bad_options_name_the_option()
    {
        var error = Assert.Throws<SharpLM.Core.SharpLMException>(() => new ChunkingOptions { MaxTokens = 20, OverlapTokens = 20 }.Validate());
        Assert.Contains("--overlap-tokens", error.Message);
    }
}
