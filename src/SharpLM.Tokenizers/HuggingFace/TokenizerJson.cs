using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.HuggingFace;

/// <summary>
/// Reads and writes Hugging Face tokenizer.json files for byte-level BPE models (the format of GPT-2, Llama 3,
/// Qwen2 and SmolLM tokenizers). Reading accepts merges written as "a b" strings or as ["a", "b"] pairs, and
/// pre-tokenizers written as ByteLevel (GPT-2 regex) or as Sequence[Split(regex), ByteLevel]. Every problem
/// names the file and the JSON field.
/// </summary>
public static partial class TokenizerJson
{
    public static void Save(BpeTokenizer tokenizer, string path) =>
        AtomicFile.WriteAllText(path, ToJson(tokenizer).ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n");

    public static JsonObject ToJson(BpeTokenizer tokenizer)
    {
        // Hugging Face tokenizers renumbers added tokens unless ids are dense: every id below the largest names a
        // token, the vocabulary holds ids 0..n-1 and the added tokens outside it follow in order.
        var specials = ReservedTokens.Fill(tokenizer.Vocabulary, tokenizer.Specials);
        int vocabularyEnd = tokenizer.Vocabulary.Values.DefaultIfEmpty(-1).Max() + 1;
        var addedTokens = new JsonArray();
        foreach (var (content, id) in specials.OrderBy(p => p.Value))
            addedTokens.Add(new JsonObject
            {
                ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });

        bool isGpt2Pattern = tokenizer.PreTokenizerPattern == PreTokenizerPatterns.Gpt2;
        JsonObject preTokenizer = isGpt2Pattern
            ? ByteLevel(addPrefixSpace: false, trimOffsets: true, useRegex: true)
            : new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = tokenizer.PreTokenizerPattern },
                        ["behavior"] = "Isolated", ["invert"] = false,
                    },
                    ByteLevel(addPrefixSpace: false, trimOffsets: true, useRegex: false)),
            };

        var vocab = new JsonObject();
        foreach (var (token, id) in tokenizer.Vocabulary.Concat(specials.Where(p => p.Value < vocabularyEnd)).OrderBy(p => p.Value)) vocab[token] = id;
        var merges = new JsonArray();
        foreach (var (left, right) in tokenizer.Merges) merges.Add(new JsonArray(left, right));

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = addedTokens,
            ["normalizer"] = tokenizer.Normalization is { } form ? new JsonObject { ["type"] = NormalizerName(form) } : null,
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = tokenizer.PrefixTokens.Count > 0 ? PrefixTemplate(tokenizer) : ByteLevel(addPrefixSpace: true, trimOffsets: false, useRegex: true),
            ["decoder"] = ByteLevel(addPrefixSpace: true, trimOffsets: true, useRegex: true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = tokenizer.IgnoreMerges,
                ["vocab"] = vocab, ["merges"] = merges,
            },
        };
    }

    private static string NormalizerName(System.Text.NormalizationForm form) => form switch
    {
        System.Text.NormalizationForm.FormC => "NFC", System.Text.NormalizationForm.FormKC => "NFKC",
        System.Text.NormalizationForm.FormD => "NFD", _ => "NFKD",
    };

    /// <summary>A TemplateProcessing post-processor that puts the prefix tokens before each sequence.</summary>
    private static JsonObject PrefixTemplate(BpeTokenizer tokenizer)
    {
        JsonArray Template(string sequence, int typeId)
        {
            var items = new JsonArray();
            foreach (string token in tokenizer.PrefixTokens) items.Add(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = typeId } });
            items.Add(new JsonObject { ["Sequence"] = new JsonObject { ["id"] = sequence, ["type_id"] = typeId } });
            return items;
        }
        var specialTokens = new JsonObject();
        foreach (string token in tokenizer.PrefixTokens)
            specialTokens[token] = new JsonObject { ["id"] = token, ["ids"] = new JsonArray(tokenizer.Specials[token]), ["tokens"] = new JsonArray(token) };
        var pair = Template("A", 0);
        foreach (var item in Template("B", 1)) pair.Add(item!.DeepClone());
        return new JsonObject { ["type"] = "TemplateProcessing", ["single"] = Template("A", 0), ["pair"] = pair, ["special_tokens"] = specialTokens };
    }

    private static JsonObject ByteLevel(bool addPrefixSpace, bool trimOffsets, bool useRegex) => new()
    {
        ["type"] = "ByteLevel", ["add_prefix_space"] = addPrefixSpace, ["trim_offsets"] = trimOffsets, ["use_regex"] = useRegex,
    };
}
