using SharpLM.Core.Formats.Documents;
using SharpLM.Tokenizers.Audit;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Tests;

public class AuditTests
{
    private static Document Doc(string id, string text) => new() { Id = id, Text = text, Source = "test", License = "CC0-1.0" };

    [Fact]
    public void Reports_per_data_set_ratios_and_flags_scripts_the_vocabulary_never_learned()
    {
        var tokenizer = BpeTrainer.Train(TestCorpus.Sentences(300), new BpeTrainerOptions { VocabularySize = 600 });
        var documents = new[]
        {
            Doc("english/1", "The whale follows the harpoon."),
            Doc("english/2", "The captain sees the sea."),
            Doc("chinese/1", "鲸鱼跟随鱼叉。船长看见大海。"),
        };
        var rows = TokenizerAudit.Run(tokenizer, documents, TokenizerAudit.DataSetOf, top: 3);

        Assert.Equal(new[] { "chinese", "english" }, rows.Select(r => r.Group));
        var english = rows[1];
        Assert.Equal(2, english.Documents);
        Assert.Equal(10, english.Words);
        Assert.Equal(55, english.Bytes);
        long tokens = documents.Take(2).Sum(d => tokenizer.Encode(d.Text).Count);
        Assert.Equal(tokens, english.Tokens);
        Assert.Equal(55.0 / tokens, english.BytesPerToken, 12);
        Assert.Equal(0, english.ByteFallbackRate);
        // " the" and "." occur twice each; ties list the lower id first.
        Assert.Equal(new[] { (".", 2L), (" the", 2L) }, english.MostFrequent.Take(2));
        // Unseen CJK characters fall apart into bytes that are not characters on their own.
        Assert.True(rows[0].ByteFallbackRate > 0.5, $"byte fallback {rows[0].ByteFallbackRate}");
        Assert.True(rows[0].BytesPerToken < english.BytesPerToken);
    }
}
