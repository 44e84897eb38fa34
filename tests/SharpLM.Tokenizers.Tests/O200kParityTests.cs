using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Tiktoken;
using TiktokenTokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer;

namespace SharpLM.Tokenizers.Tests;

/// <summary>SharpLM's o200k_base (built in, and read from a .tiktoken file) against Microsoft.ML.Tokenizers' tiktoken.</summary>
public class O200kParityTests
{
    private static readonly Lazy<BpeTokenizer> Ours = new(() => TokenizerSource.Load(TokenizerSource.O200kBase));
    private static readonly Lazy<TiktokenTokenizer> Oracle = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private const string Contraction = "Well, isn't it? They'LL say HelloWorld's camelCase—it's 12345 and 东京 🐋.";

    [Fact]
    public void Built_in_o200k_base_encodes_exactly_as_the_reference()
    {
        string text = Cl100kParityTests.VariedText() + Contraction;
        foreach (string line in text.Split('\n'))
            Assert.Equal(Oracle.Value.EncodeToIds(line).ToArray(), Ours.Value.Encode(line, allowSpecial: false).ToArray());
        Assert.Equal(Oracle.Value.EncodeToIds(text).ToArray(), Ours.Value.Encode(text, allowSpecial: false).ToArray());
        Assert.Equal(199999, Ours.Value.Specials["<|endoftext|>"]);
        Assert.Equal(Oracle.Value.EncodeToIds("a<|endoftext|>b").ToArray(), Ours.Value.Encode("a<|endoftext|>b").ToArray());
    }

    [Fact]
    public void A_tiktoken_file_needs_its_pattern_and_then_encodes_as_the_reference()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "o200k_base.tiktoken");
        TiktokenRankFile.Write(Ours.Value, path);

        var error = Assert.Throws<Core.SharpLMException>(() => TokenizerSource.Load(path));
        Assert.StartsWith($"{path}: a .tiktoken file records no pre-tokenizer; give one with --pattern", error.Message);

        var fromFile = TokenizerSource.Load(path, "o200k");
        Assert.Equal(Oracle.Value.EncodeToIds(Contraction).ToArray(), fromFile.Encode(Contraction).ToArray());
        // The GPT-2 pattern, the old silent default, splits contractions and camel case differently.
        Assert.NotEqual(fromFile.Encode(Contraction), TokenizerSource.Load(path, "gpt2").Encode(Contraction));
    }

    [Fact]
    public void A_pattern_for_a_tokenizer_that_carries_its_own_is_refused()
    {
        var error = Assert.Throws<Core.SharpLMException>(() => TokenizerSource.Load(TokenizerSource.Cl100kBase, "o200k"));
        Assert.Equal("option --pattern applies only to .tiktoken files; 'cl100k_base' carries its own pre-tokenizer.", error.Message);
    }

    [Fact]
    public void Converted_o200k_base_keeps_its_special_ids_in_Hugging_Face()
    {
        var json = HuggingFace.TokenizerJson.ToJson(Ours.Value);
        var hf = HuggingFaceAddedVocabulary.Ids(json);
        Assert.Equal(HuggingFaceAddedVocabulary.StatedIds(json), hf);
        Assert.Equal(199999, hf["<|endoftext|>"]);
        Assert.Equal(200018, hf["<|endofprompt|>"]);
        Assert.Equal(Ours.Value.VocabularySize, HuggingFaceAddedVocabulary.Size(json));
    }
}
