using System.Text.Json.Nodes;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Tokenizers.Tests;

public class SparseIdsTests
{
    private static readonly BpeTokenizer Trained = BpeTrainer.Train(TestCorpus.Sentences(50), new BpeTrainerOptions { VocabularySize = 300 });

    [Fact]
    public void A_stray_id_far_above_the_rest_is_reported_at_load()
    {
        var json = TokenizerJson.ToJson(Trained);
        json["model"]!["vocab"]!["Ġleviathan"] = 1_000_000;
        var loaded = TokenizerJson.FromJson(json, "stray.json");
        Assert.Equal(1_000_001, loaded.VocabularySize);
        Assert.StartsWith("stray.json: only 301 of the ids 0..1000000 name a token, so a model built on it gets 1000001 embedding rows", loaded.SparseIdsWarning);
    }

    [Fact]
    public void Trained_and_built_in_tokenizers_are_dense()
    {
        Assert.Null(Trained.SparseIdsWarning);
        Assert.Null(BpeTrainer.Train(TestCorpus.Sentences(10), new BpeTrainerOptions { VocabularySize = 4096 }).SparseIdsWarning);
        Assert.Null(TokenizerSource.Load(TokenizerSource.Cl100kBase).SparseIdsWarning);
    }

    [Fact]
    public void A_few_unused_ids_are_no_cause_for_a_warning()
    {
        var json = TokenizerJson.ToJson(Trained);
        json["model"]!["vocab"]!["Ġleviathan"] = 1_200; // 900 unused ids: within the tolerance
        Assert.Null(TokenizerJson.FromJson(json, "padded.json").SparseIdsWarning);
    }
}
