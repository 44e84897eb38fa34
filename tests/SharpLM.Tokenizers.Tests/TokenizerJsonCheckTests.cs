using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Tokenizers.Tests;

/// <summary>Settings Hugging Face would apply and SharpLM would not are refused, naming the field, never loaded silently.</summary>
public class TokenizerJsonCheckTests
{
    private static readonly BpeTokenizer Trained = BpeTrainer.Train(TestCorpus.Sentences(100), new BpeTrainerOptions { VocabularySize = 300 });

    private static string Refusal(Action<JsonObject> change)
    {
        var json = TokenizerJson.ToJson(Trained);
        change(json);
        return Assert.Throws<SharpLMException>(() => TokenizerJson.FromJson(json, "t.json")).Message;
    }

    private static JsonObject Split(string regex) => new()
    {
        ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = regex }, ["behavior"] = "Isolated", ["invert"] = false,
    };

    private static JsonObject ByteLevel(bool useRegex, bool addPrefixSpace = false) => new()
    {
        ["type"] = "ByteLevel", ["add_prefix_space"] = addPrefixSpace, ["use_regex"] = useRegex,
    };

    [Fact]
    public void A_prefix_space_is_refused()
    {
        Assert.Contains("field 'pre_tokenizer.add_prefix_space' is true", Refusal(j => j["pre_tokenizer"]!["add_prefix_space"] = true));
        Assert.Contains("field 'pre_tokenizer.pretokenizers[1].add_prefix_space' is true", Refusal(j => j["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(Split(@"\w+|\s+"), ByteLevel(useRegex: false, addPrefixSpace: true)),
        }));
    }

    [Fact]
    public void Two_regexes_one_after_the_other_are_refused()
    {
        Assert.Contains("then ByteLevel's own regex", Refusal(j => j["pre_tokenizer"] = new JsonObject
            { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(Split(@"\w+|\s+"), ByteLevel(useRegex: true)) }));
        Assert.Contains("field 'pre_tokenizer.pretokenizers[1]' is a second Split", Refusal(j => j["pre_tokenizer"] = new JsonObject
            { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(Split(@"\w+|\s+"), Split(@"\d"), ByteLevel(useRegex: false)) }));
        Assert.Contains("splits after the ByteLevel step", Refusal(j => j["pre_tokenizer"] = new JsonObject
            { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(ByteLevel(useRegex: false), Split(@"\w+|\s+")) }));
    }

    [Fact]
    public void A_split_before_a_plain_byte_level_step_still_loads()
    {
        var json = TokenizerJson.ToJson(Trained);
        json["pre_tokenizer"] = new JsonObject { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(Split(PreTokenizerPatterns.Cl100k), ByteLevel(useRegex: false)) };
        Assert.Equal(PreTokenizerPatterns.Cl100k, TokenizerJson.FromJson(json, "t.json").PreTokenizerPattern);
    }

    [Fact]
    public void Word_piece_affixes_and_dropout_are_refused()
    {
        Assert.Contains("field 'model.continuing_subword_prefix' is \"##\"", Refusal(j => j["model"]!["continuing_subword_prefix"] = "##"));
        Assert.Contains("field 'model.end_of_word_suffix' is \"</w>\"", Refusal(j => j["model"]!["end_of_word_suffix"] = "</w>"));
        Assert.Contains("field 'model.dropout' is 0.1", Refusal(j => j["model"]!["dropout"] = 0.1));
    }

    [Fact]
    public void Tokens_placed_after_each_sequence_are_refused()
    {
        Assert.Contains("field 'post_processor' puts '<|endoftext|>' after each sequence", Refusal(j => j["post_processor"] = new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<|endoftext|>", ["type_id"] = 0 } }),
        }));
    }

    [Theory]
    [InlineData("use_regex", "field 'pre_tokenizer.use_regex' is \"yes\", expected true or false")]
    [InlineData("type", "field 'pre_tokenizer.type' is \"yes\", expected a string")]
    public void Values_of_the_wrong_type_name_the_field(string field, string expected)
    {
        JsonNode value = field == "type" ? JsonValue.Create(5) : JsonValue.Create("yes");
        string message = Refusal(j => j["pre_tokenizer"]![field] = value);
        Assert.Contains(field == "type" ? "field 'pre_tokenizer.type' is 5, expected a string" : expected, message);
    }

    [Fact]
    public void A_normalizer_that_is_not_an_object_names_the_field()
    {
        Assert.Contains("field 'normalizer' is [1], expected an object or null", Refusal(j => j["normalizer"] = new JsonArray(1)));
        Assert.Contains("field 'model.type' is 5, expected a string", Refusal(j => j["model"]!["type"] = 5));
    }

    [Fact]
    public void Two_tokens_with_one_id_are_both_named()
    {
        Assert.Contains($"field 'model.vocab' gives id 97 to both 'a' and 'zz'", Refusal(j => j["model"]!["vocab"]!["zz"] = 97));
    }

    [Fact]
    public void A_repeated_key_is_refused_while_parsing()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "tokenizer.json");
        string json = TokenizerJson.ToJson(Trained).ToJsonString().Replace("\"vocab\":{", "\"vocab\":{\"a\":97,");
        File.WriteAllText(path, json);
        var error = Assert.Throws<SharpLMException>(() => TokenizerJson.Load(path));
        Assert.Equal($"{path}: not valid JSON (Duplicate property 'a' encountered during deserialization).", error.Message);
    }

    [Theory]
    [InlineData("lstrip")]
    [InlineData("rstrip")]
    [InlineData("single_word")]
    public void Added_tokens_that_take_more_than_their_text_are_refused(string flag)
    {
        Assert.Contains($"field 'added_tokens[0].{flag}' is true for '<|endoftext|>'", Refusal(j => j["added_tokens"]![0]![flag] = true));
    }

    [Fact]
    public void A_rank_file_giving_one_rank_to_two_tokens_names_both()
    {
        var ranks = Enumerable.Range(0, 256).Select(b => (new[] { (byte)b }, b)).Append(("ab"u8.ToArray(), 256)).Append(("cd"u8.ToArray(), 256));
        var error = Assert.Throws<SharpLMException>(() => BpeTokenizer.FromRanks(ranks, PreTokenizerPatterns.Gpt2, new Dictionary<string, int>(), "r.tiktoken"));
        Assert.Equal("r.tiktoken: rank 256 is given to two tokens, 'ab' and 'cd'.", error.Message);
    }

    [Fact]
    public void An_absurd_vocabulary_size_is_refused_before_training()
    {
        var error = Assert.Throws<SharpLMException>(() => BpeTrainer.Train(["x"], new BpeTrainerOptions { VocabularySize = int.MaxValue }));
        Assert.Equal($"vocabulary size {int.MaxValue} is above the supported maximum of 2097152.", error.Message);
    }
}
