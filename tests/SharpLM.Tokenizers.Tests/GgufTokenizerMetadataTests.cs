using SharpLM.Core;
using SharpLM.Core.Formats.Gguf;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Gguf;

namespace SharpLM.Tokenizers.Tests;

public class GgufTokenizerMetadataTests
{
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(TestCorpus.Sentences(200), new BpeTrainerOptions { VocabularySize = 500 });

    private static Dictionary<string, GgufValue> Build(BpeTokenizer tokenizer, int vocabSize) =>
        GgufTokenizerMetadata.Build(tokenizer, vocabSize, chatTemplate: "{{ messages }}").ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void Tokens_types_merges_and_special_ids_follow_llama_cpp_gpt2_conventions()
    {
        const int rows = 512; // the embedding table may be larger than the tokenizer
        var metadata = Build(Tokenizer, rows);
        var tokens = metadata["tokenizer.ggml.tokens"].As<string[]>();
        var types = metadata["tokenizer.ggml.token_type"].As<int[]>();
        Assert.Equal("gpt2", metadata["tokenizer.ggml.model"].Value);
        Assert.Equal("gpt-2", metadata["tokenizer.ggml.pre"].Value);
        Assert.Equal(rows, tokens.Length);
        Assert.Equal(rows, types.Length);
        Assert.Equal(rows, tokens.Distinct(StringComparer.Ordinal).Count()); // llama.cpp asserts unique token strings
        foreach (var (token, id) in Tokenizer.Vocabulary) { Assert.Equal(token, tokens[id]); Assert.Equal(GgufTokenizerMetadata.Normal, types[id]); }
        foreach (var (token, id) in Tokenizer.Specials) { Assert.Equal(token, tokens[id]); Assert.Equal(GgufTokenizerMetadata.Control, types[id]); }
        for (int id = Tokenizer.VocabularySize; id < rows; id++) { Assert.Equal($"[PAD{id}]", tokens[id]); Assert.Equal(GgufTokenizerMetadata.Unused, types[id]); }
        Assert.Equal(Tokenizer.Merges.Select(m => $"{m.Left} {m.Right}"), metadata["tokenizer.ggml.merges"].As<string[]>());

        uint endOfText = (uint)Tokenizer.EndOfTextId!.Value;
        Assert.Equal("UINT32", metadata["tokenizer.ggml.bos_token_id"].Describe());
        Assert.Equal(endOfText, metadata["tokenizer.ggml.bos_token_id"].Value);
        Assert.Equal(endOfText, metadata["tokenizer.ggml.eos_token_id"].Value);
        Assert.Equal((uint)Tokenizer.Specials[SpecialTokens.Padding], metadata["tokenizer.ggml.padding_token_id"].Value);
        Assert.Equal(false, metadata["tokenizer.ggml.add_bos_token"].Value);
        Assert.Equal("{{ messages }}", metadata["tokenizer.chat_template"].Value);
    }

    [Fact]
    public void A_tokenizer_rebuilt_from_the_metadata_alone_encodes_identically()
    {
        // What a GGUF reader has: tokens by id, their types and the merge list; nothing from tokenizer.json.
        var metadata = Build(Tokenizer, Tokenizer.VocabularySize);
        var tokens = metadata["tokenizer.ggml.tokens"].As<string[]>();
        var types = metadata["tokenizer.ggml.token_type"].As<int[]>();
        var vocabulary = new Dictionary<string, int>();
        var specials = new Dictionary<string, int>();
        for (int id = 0; id < tokens.Length; id++)
        {
            if (types[id] == GgufTokenizerMetadata.Normal) vocabulary[tokens[id]] = id;
            else if (types[id] == GgufTokenizerMetadata.Control) specials[tokens[id]] = id;
        }
        var merges = metadata["tokenizer.ggml.merges"].As<string[]>().Select(m => (m[..m.IndexOf(' ', 1)], m[(m.IndexOf(' ', 1) + 1)..])).ToList();
        var rebuilt = new BpeTokenizer(vocabulary, merges, specials, PreTokenizerPatterns.Gpt2);
        foreach (string text in TestCorpus.Sentences(20).Append("naïve 🐋 text<|endoftext|>  spaced\n\nlines"))
            Assert.Equal(Tokenizer.Encode(text), rebuilt.Encode(text));
    }

    [Fact]
    public void The_pre_tokenizer_name_is_the_llama_cpp_regex_matching_ours_and_others_are_refused()
    {
        string[] corpus = [.. TestCorpus.Sentences(30)];
        BpeTokenizer Train(string pattern) => BpeTrainer.Train(corpus, new BpeTrainerOptions { VocabularySize = 300, PreTokenizerPattern = pattern });
        Assert.Equal("gpt-2", GgufTokenizerMetadata.PreTokenizerName(Train(PreTokenizerPatterns.Gpt2)));
        var cl100k = Train(PreTokenizerPatterns.Cl100k);
        Assert.Equal("dbrx", GgufTokenizerMetadata.PreTokenizerName(cl100k));
        var ignoringMerges = new BpeTokenizer(cl100k.Vocabulary, cl100k.Merges, cl100k.Specials, cl100k.PreTokenizerPattern) { IgnoreMerges = true };
        Assert.Equal("llama-bpe", GgufTokenizerMetadata.PreTokenizerName(ignoringMerges));
        Assert.Equal("gpt-4o", GgufTokenizerMetadata.PreTokenizerName(Train(PreTokenizerPatterns.O200k)));
        var custom = Assert.Throws<SharpLMException>(() => GgufTokenizerMetadata.PreTokenizerName(Train(@"\w+|\s+|[^\w\s]+"), "tok.json"));
        Assert.StartsWith("tok.json: llama.cpp has no pre-tokenizer matching this tokenizer's pattern", custom.Message);
    }

    [Fact]
    public void An_embedding_table_smaller_than_the_tokenizer_is_refused()
    {
        var error = Assert.Throws<SharpLMException>(() => GgufTokenizerMetadata.Build(Tokenizer, Tokenizer.VocabularySize - 1, origin: "tokenizer.json"));
        Assert.Equal($"tokenizer.json: the tokenizer uses {Tokenizer.VocabularySize} ids but the model has only {Tokenizer.VocabularySize - 1} embedding rows.", error.Message);
    }
}
