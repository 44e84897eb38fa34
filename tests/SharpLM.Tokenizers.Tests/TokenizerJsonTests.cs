using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Tokenizers.Tests;

public class TokenizerJsonTests
{
    private static readonly SharpLM.Tokenizers.Bpe.BpeTokenizer Trained = BpeTrainer.Train(TestCorpus.Sentences(300), new BpeTrainerOptions { VocabularySize = 600 });
    private const string Sample = "The captain remembers the white whale in 1851.\n\n  Émile's café — naïve 東京 🐋! x=42;  ";

    [Fact]
    public void Save_and_load_give_the_same_tokenizer()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "tokenizer.json");
        TokenizerJson.Save(Trained, path);
        var loaded = TokenizerJson.Load(path);
        Assert.Equal(Trained.Encode(Sample), loaded.Encode(Sample));
        Assert.Equal(Trained.VocabularySize, loaded.VocabularySize);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("BPE", json["model"]!["type"]!.GetValue<string>());
        Assert.Equal("ByteLevel", json["pre_tokenizer"]!["type"]!.GetValue<string>());
        Assert.Contains(json["added_tokens"]!.AsArray(), t => t!["content"]!.GetValue<string>() == "<|endoftext|>" && t["id"]!.GetValue<int>() == 596);
        Assert.IsType<JsonArray>(json["model"]!["merges"]![0]);
    }

    [Fact]
    public void Legacy_merges_written_as_strings_load_identically()
    {
        var json = TokenizerJson.ToJson(Trained);
        var legacy = new JsonArray(Trained.Merges.Select(m => (JsonNode)JsonValue.Create($"{m.Left} {m.Right}")).ToArray());
        json["model"]!.AsObject()["merges"] = legacy;
        var loaded = TokenizerJson.FromJson(json, "legacy.json");
        Assert.Equal(Trained.Encode(Sample), loaded.Encode(Sample));
    }

    /// <summary>Microsoft.ML.Tokenizers applies the same vocabulary and merges independently of our encoder.</summary>
    [Fact]
    public void Encoding_matches_Microsoft_ML_Tokenizers_on_the_same_vocabulary_and_merges()
    {
        var specials = new Dictionary<string, int>(Trained.Specials);
        var oracle = CreateOracle(specials);
        string text = string.Join("\n", TestCorpus.Sentences(40, seed: 99)) + Sample;
        Assert.Equal(oracle.EncodeToIds(text).ToArray(), Trained.Encode(text).ToArray());
    }

    private static Tokenizer CreateOracle(Dictionary<string, int> specials) =>
        Microsoft.ML.Tokenizers.BpeTokenizer.Create(new BpeOptions(Trained.Vocabulary)
        {
            Merges = Trained.Merges.Select(m => $"{m.Left} {m.Right}"),
            ByteLevel = true,
            SpecialTokens = specials,
            PreTokenizer = new RegexPreTokenizer(new Regex(PreTokenizerPatterns.Gpt2), specials),
        });

    [Theory]
    [InlineData("""{"model": {"type": "BPE", "merges": []}}""", "field 'model.vocab' is missing")]
    [InlineData("""{"model": {"type": "WordPiece"}}""", "field 'model.type' is 'WordPiece'")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}}""", "field 'model.vocab' maps 'a'")]
    [InlineData("""{"version": "1.0"}""", "field 'model' is missing")]
    [InlineData("""{"model": [1]}""", "field 'model' has the wrong type")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}""", "lacks the byte token")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {}, "merges": []}}""", "field 'pre_tokenizer' is missing")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {}, "merges": ["ab"]}}""", "field 'model.merges[0]' is \"ab\"")]
    [InlineData("""{"model": """, "not valid JSON")]
    public void Malformed_files_name_the_file_and_field(string content, string expected)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "tokenizer.json");
        File.WriteAllText(path, content);
        var error = Assert.Throws<Core.SharpLMException>(() => TokenizerJson.Load(path));
        Assert.StartsWith(path + ":", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_merge_of_unknown_tokens_is_reported_with_its_index()
    {
        var json = TokenizerJson.ToJson(Trained);
        json["model"]!["merges"]!.AsArray().Insert(0, new JsonArray("zz", "qq"));
        var error = Assert.Throws<Core.SharpLMException>(() => TokenizerJson.FromJson(json, "t.json"));
        Assert.Contains("'model.merges' entry 0", error.Message);
    }
}
