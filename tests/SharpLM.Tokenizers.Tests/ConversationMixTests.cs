using SharpLM.Core.Formats.Documents;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.Corpus;

namespace SharpLM.Tokenizers.Tests;

public class ConversationMixTests
{
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(TestCorpus.Sentences(200), new BpeTrainerOptions { VocabularySize = 500 });

    [Fact]
    public void Conversations_are_spread_evenly_among_the_documents()
    {
        var mix = new ConversationMix([[1], [2], [3]], Documents: 8);
        // Conversation k follows document ceil((k+1)·9/4): documents 3, 5 and 7 of 8.
        Assert.Equal([0, 0, 1, 1, 2, 2, 3, 3], Enumerable.Range(1, 8).Select(seen => mix.DueAfter(seen)));
        Assert.Equal(3, new ConversationMix([[1], [2], [3]], Documents: 0).DueAfter(0));
        Assert.Equal(3, mix.DueAfter(100));
    }

    [Fact]
    public void The_training_shard_holds_the_rendered_conversations_between_documents_and_validation_is_untouched()
    {
        string dir = Directory.CreateTempSubdirectory("sharplm-mix-").FullName;
        try
        {
            var documents = TestCorpus.Sentences(8).Select((text, i) => new Document { Id = $"d{i}", Text = text, Source = "s", License = "l" }).ToList();
            var template = new ChatTemplate(Tokenizer);
            var conversations = new[] { "Who hunts?", "Who fears?", "Who sees?" }
                .Select(q => template.Render([new(ChatMessage.User, q), new(ChatMessage.Assistant, "Ahab.")]).Ids).ToList();
            var validation = new[] { new Document { Id = "v", Text = "The sea remembers the deck in 1850.", Source = "s", License = "l" } };

            var result = CorpusEncoder.Encode(documents, validation, Tokenizer, Path.Combine(dir, "train.tok"), Path.Combine(dir, "val.tok"),
                conversations: new ConversationMix(conversations, documents.Count));
            CorpusEncoder.Encode(documents, validation, Tokenizer, Path.Combine(dir, "plain.tok"), Path.Combine(dir, "plain-val.tok"));

            Assert.Equal(3, result.TrainConversations);
            Assert.Equal(11, result.TrainDocuments);
            int endOfText = Tokenizer.EndOfTextId!.Value;
            var trainDocuments = Split(Path.Combine(dir, "train.tok"), endOfText);
            var plainDocuments = Split(Path.Combine(dir, "plain.tok"), endOfText);
            // Documents 1..8 in order, with conversation k after document 3, 5, 7 (1-based).
            var expected = new List<int[]>(plainDocuments);
            expected.Insert(7, conversations[2]);
            expected.Insert(5, conversations[1]);
            expected.Insert(3, conversations[0]);
            Assert.Equal(expected, trainDocuments);
            Assert.Equal(2, trainDocuments[3].Count(id => id == Tokenizer.Specials[SpecialTokens.TurnStart]));
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "plain-val.tok")), File.ReadAllBytes(Path.Combine(dir, "val.tok")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static List<int[]> Split(string shard, int endOfText)
    {
        using var reader = new TokenShardReader(shard);
        var ids = reader.ReadAll();
        var documents = new List<int[]>();
        int start = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] != endOfText) continue;
            documents.Add(ids[start..i]);
            start = i + 1;
        }
        Assert.Equal(ids.Length, start);
        return documents;
    }
}
