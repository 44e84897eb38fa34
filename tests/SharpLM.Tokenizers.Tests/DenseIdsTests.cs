using System.Text.Json.Nodes;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Tokenizers.Tiktoken;

namespace SharpLM.Tokenizers.Tests;

/// <summary>Every tokenizer.json SharpLM writes gives Hugging Face tokenizers the ids SharpLM uses.</summary>
public class DenseIdsTests
{
    /// <summary>The file's vocabulary holds ids 0..n-1 and Hugging Face assigns each added token the id the file states.</summary>
    private static JsonObject AssertLoadsWithTheSameIds(BpeTokenizer tokenizer)
    {
        var json = TokenizerJson.ToJson(tokenizer);
        var vocabIds = json["model"]!["vocab"]!.AsObject().Select(p => p.Value!.GetValue<int>()).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, vocabIds.Length), vocabIds);
        var hf = HuggingFaceAddedVocabulary.Ids(json);
        Assert.Equal(HuggingFaceAddedVocabulary.StatedIds(json), hf);
        foreach (var (special, id) in tokenizer.Specials) Assert.Equal(id, hf[special]);
        Assert.Equal(tokenizer.VocabularySize, HuggingFaceAddedVocabulary.Size(json));
        return json;
    }

    [Fact]
    public void A_vocabulary_that_ran_out_of_merges_keeps_its_special_ids_in_Hugging_Face()
    {
        var tokenizer = BpeTrainer.Train(TestCorpus.Sentences(20), new BpeTrainerOptions { VocabularySize = 4096 });
        Assert.True(tokenizer.Vocabulary.Count < 1000, "the corpus should run out of merges well before 4092");
        var json = AssertLoadsWithTheSameIds(tokenizer);

        var ids = tokenizer.Encode("the whale<|endoftext|><|im_start|>");
        Assert.Equal([4092, 4094], ids[^2..]);
        var hf = HuggingFaceAddedVocabulary.Ids(json);
        Assert.Equal(4092, hf["<|endoftext|>"]);
        Assert.Equal(4094, hf["<|im_start|>"]);
        // The model's embedding rows (VocabularySize) match len(tokenizer) in Hugging Face, and survive a reload.
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "tokenizer.json");
        TokenizerJson.Save(tokenizer, path);
        var loaded = TokenizerJson.Load(path);
        Assert.Equal(4096, loaded.VocabularySize);
        Assert.Equal(ids, loaded.Encode("the whale<|endoftext|><|im_start|>"));
    }

    [Fact]
    public void Converted_cl100k_base_keeps_OpenAI_special_ids_in_Hugging_Face()
    {
        var cl100k = TokenizerSource.Load(TokenizerSource.Cl100kBase);
        var hf = HuggingFaceAddedVocabulary.Ids(AssertLoadsWithTheSameIds(cl100k));
        Assert.Equal(100257, hf["<|endoftext|>"]);
        Assert.Equal(100276, hf["<|endofprompt|>"]);
        // SharpLM's own cl100k_base stays exactly OpenAI's: the reserved tokens exist only in the written file.
        Assert.Equal(100257, cl100k.Specials["<|endoftext|>"]);
        Assert.DoesNotContain(ReservedTokens.Name(0), cl100k.Specials.Keys);
    }

    [Fact]
    public void A_tiktoken_file_with_a_missing_rank_converts_to_dense_ids()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        string ranks = Path.Combine(dir, "gappy.tiktoken");
        var lines = Enumerable.Range(0, 256).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}").ToList();
        lines.Add($"{Convert.ToBase64String("th"u8.ToArray())} 257"); // rank 256 unused
        lines.Add($"{Convert.ToBase64String("the"u8.ToArray())} 258");
        File.WriteAllLines(ranks, lines);
        var tokenizer = BpeTokenizer.FromRanks(TiktokenRankFile.Read(ranks), PreTokenizerPatterns.Gpt2,
            new Dictionary<string, int> { ["<|endoftext|>"] = 260 }, ranks);

        var json = AssertLoadsWithTheSameIds(tokenizer);
        Assert.Equal(256, json["model"]!["vocab"]![ReservedTokens.Name(0)]!.GetValue<int>());
        Assert.Equal(260, HuggingFaceAddedVocabulary.Ids(json)["<|endoftext|>"]);
        var reloaded = TokenizerJson.FromJson(json, "converted.json");
        Assert.Equal(tokenizer.Encode("the other<|endoftext|>"), reloaded.Encode("the other<|endoftext|>"));
    }
}
