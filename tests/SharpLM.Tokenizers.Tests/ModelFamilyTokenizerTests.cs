using System.Text.Json.Nodes;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Tokenizers.Tests;

/// <summary>
/// tokenizer.json files shaped like those of GPT-2, Llama 3 and Qwen2 (their structure, on a small trained
/// vocabulary), since the real files cannot be downloaded in tests.
/// </summary>
public class ModelFamilyTokenizerTests
{
    private static readonly BpeTokenizer Trained = BpeTrainer.Train(TestCorpus.Sentences(300), new BpeTrainerOptions { VocabularySize = 600 });
    private const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static JsonObject Base() => TokenizerJson.ToJson(Trained);

    [Fact]
    public void Gpt2_style_legacy_merges_and_an_end_of_text_token_inside_the_vocabulary()
    {
        var json = Base();
        var model = json["model"]!.AsObject();
        model["merges"] = new JsonArray(Trained.Merges.Select(m => (JsonNode)JsonValue.Create($"{m.Left} {m.Right}")).ToArray());
        model["vocab"]!.AsObject()["<|endoftext|>"] = Trained.Specials["<|endoftext|>"]; // GPT-2 lists it in both places
        var loaded = TokenizerJson.FromJson(json, "gpt2.json");
        string text = "The whale follows<|endoftext|> the sea.";
        Assert.Equal(Trained.Encode(text), loaded.Encode(text));
    }

    [Fact]
    public void Llama3_style_split_sequence_ignore_merges_and_begin_of_text()
    {
        var json = Base();
        json["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = Llama3Pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
        };
        var model = json["model"]!.AsObject();
        model["ignore_merges"] = true;
        // A whole-word token that the merges cannot build: only ignore_merges can produce it.
        model["vocab"]!.AsObject()["Ġleviathan"] = 600; // above the trained ids, which reach 599
        json["added_tokens"]!.AsArray().Add(new JsonObject { ["id"] = 601, ["content"] = "<|begin_of_text|>", ["special"] = true });
        json["post_processor"] = new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["type_id"] = 0 } },
                new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
        };

        var loaded = TokenizerJson.FromJson(json, "llama3.json");
        Assert.True(loaded.IgnoreMerges);
        Assert.Equal(Llama3Pattern, loaded.PreTokenizerPattern);
        Assert.Equal([601, Trained.Encode("The")[0], 600], loaded.Encode("The leviathan", addPrefix: true));
        // The Llama 3 pattern cuts digit runs into groups of at most three before merging.
        Assert.Equal([.. loaded.Encode("123"), .. loaded.Encode("45")], loaded.Encode("12345"));
        Assert.Equal("The leviathan", loaded.Decode(loaded.Encode("The leviathan")));

        // Saving keeps all three features.
        var saved = TokenizerJson.ToJson(loaded);
        var again = TokenizerJson.FromJson(saved, "again.json");
        Assert.Equal(loaded.Encode("The leviathan 12345", addPrefix: true), again.Encode("The leviathan 12345", addPrefix: true));
    }

    [Fact]
    public void Qwen2_style_nfc_normalizer()
    {
        var json = Base();
        json["normalizer"] = new JsonObject { ["type"] = "NFC" };
        var loaded = TokenizerJson.FromJson(json, "qwen2.json");
        Assert.Equal(loaded.Encode("caf\u00E9"), loaded.Encode("cafe\u0301"));
        Assert.NotEqual(Trained.Encode("caf\u00E9"), Trained.Encode("cafe\u0301"));
    }

    [Theory]
    [InlineData("""{"type": "Lowercase"}""", "field 'normalizer.type' is 'Lowercase'")]
    public void Unsupported_normalizers_are_named(string normalizer, string expected)
    {
        var json = Base();
        json["normalizer"] = JsonNode.Parse(normalizer);
        Assert.Contains(expected, Assert.Throws<Core.SharpLMException>(() => TokenizerJson.FromJson(json, "t.json")).Message);
    }

    [Fact]
    public void Sentencepiece_style_byte_fallback_is_refused_clearly()
    {
        var json = Base();
        json["model"]!["byte_fallback"] = true;
        Assert.Contains("'model.byte_fallback' is true", Assert.Throws<Core.SharpLMException>(() => TokenizerJson.FromJson(json, "t.json")).Message);
    }
}
