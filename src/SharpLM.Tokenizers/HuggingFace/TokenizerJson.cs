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
public static class TokenizerJson
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

    public static BpeTokenizer Load(string path)
    {
        InputFiles.RequireFile(path, "tokenizer.json");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{path}: not valid JSON ({JsonFile.FirstSentence(e.Message)}).");
        }
        if (root is not JsonObject document) throw new SharpLMException($"{path}: expected a JSON object at the top level.");
        return FromJson(document, path);
    }

    public static BpeTokenizer FromJson(JsonObject document, string origin)
    {
        var model = Field<JsonObject>(document, "model", origin, "model");
        string type = Field<JsonValue>(model, "type", origin, "model.type").GetValue<string>();
        if (type != "BPE") throw new SharpLMException($"{origin}: field 'model.type' is '{type}', only 'BPE' is supported.");

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, value) in Field<JsonObject>(model, "vocab", origin, "model.vocab"))
        {
            if (value is not JsonValue v || !v.TryGetValue(out int id))
                throw new SharpLMException($"{origin}: field 'model.vocab' maps '{token}' to {value?.ToJsonString() ?? "null"}, expected an integer id.");
            vocabulary[token] = id;
        }

        var merges = new List<(string, string)>();
        int index = 0;
        foreach (var entry in Field<JsonArray>(model, "merges", origin, "model.merges"))
        {
            merges.Add(ParseMerge(entry, origin, index++));
        }

        var specials = ReadAddedTokens(document, vocabulary, merges, origin);

        string pattern = ReadPreTokenizerPattern(document["pre_tokenizer"], origin);
        bool ignoreMerges = model["ignore_merges"] is JsonValue ignore && ignore.TryGetValue(out bool flag) && flag;
        if (model["byte_fallback"] is JsonValue fallback && fallback.TryGetValue(out bool byteFallback) && byteFallback)
            throw new SharpLMException($"{origin}: field 'model.byte_fallback' is true; that is SentencePiece-style BPE, not byte-level BPE.");
        return new BpeTokenizer(vocabulary, merges, specials, pattern, origin)
        {
            IgnoreMerges = ignoreMerges,
            Normalization = ReadNormalizer(document["normalizer"], origin),
            PrefixTokens = ReadPrefixTokens(document["post_processor"], specials, origin),
        };
    }

    /// <summary>
    /// The added tokens, checked as Hugging Face tokenizers will read them: an added token that is also in
    /// 'model.vocab' takes the vocabulary's id, and an empty one is skipped, so either mismatch would give the
    /// same file different ids there.
    /// </summary>
    private static Dictionary<string, int> ReadAddedTokens(JsonObject document, Dictionary<string, int> vocabulary,
        IReadOnlyList<(string Left, string Right)> merges, string origin)
    {
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        if (document["added_tokens"] is not JsonArray added) return specials;
        var vocabularyById = new Dictionary<int, string>();
        foreach (var (token, id) in vocabulary) vocabularyById.TryAdd(id, token);
        var fieldById = new Dictionary<int, string>();
        int i = 0;
        foreach (var token in added)
        {
            string fieldName = $"added_tokens[{i++}]";
            if (token is not JsonObject t) throw new SharpLMException($"{origin}: field '{fieldName}' is not an object.");
            var contentValue = Field<JsonValue>(t, "content", origin, fieldName + ".content");
            var idValue = Field<JsonValue>(t, "id", origin, fieldName + ".id");
            if (!contentValue.TryGetValue(out string? content))
                throw new SharpLMException($"{origin}: field '{fieldName}.content' is {contentValue.ToJsonString()}, expected a string.");
            if (!idValue.TryGetValue(out int id) || id < 0)
                throw new SharpLMException($"{origin}: field '{fieldName}.id' is {idValue.ToJsonString()}, expected a non-negative integer.");
            if (content.Length == 0)
                throw new SharpLMException($"{origin}: field '{fieldName}.content' is empty; an empty added token would match between every two characters.");
            bool inVocabulary = vocabulary.TryGetValue(content, out int vocabularyId);
            if (inVocabulary && vocabularyId != id)
                throw new SharpLMException($"{origin}: field '{fieldName}' gives '{content}' id {id}, but 'model.vocab' gives it id {vocabularyId}.");
            if (!inVocabulary && vocabularyById.TryGetValue(id, out string? owner))
                throw new SharpLMException($"{origin}: field '{fieldName}' gives '{content}' id {id}, which 'model.vocab' already gives to '{owner}'.");
            if (specials.TryGetValue(content, out int earlier))
                throw new SharpLMException($"{origin}: field '{fieldName}' repeats '{content}', already added as {fieldById[earlier]}.");
            if (!fieldById.TryAdd(id, fieldName))
                throw new SharpLMException($"{origin}: field '{fieldName}' gives '{content}' id {id}, which {fieldById[id]} already has.");
            specials[content] = id;
        }
        // Added tokens found in the vocabulary are matched as specials; one that merges build or use stays in the
        // vocabulary too (with the same id), or those merges would refer to a missing token.
        var mergeTokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (left, right) in merges) { mergeTokens.Add(left); mergeTokens.Add(right); mergeTokens.Add(left + right); }
        foreach (string content in specials.Keys)
            if (!mergeTokens.Contains(content)) vocabulary.Remove(content);
        return specials;
    }

    private static System.Text.NormalizationForm? ReadNormalizer(JsonNode? node, string origin)
    {
        if (node is null) return null;
        string type = node["type"]?.GetValue<string>() ?? "";
        return type switch
        {
            "NFC" => System.Text.NormalizationForm.FormC,
            "NFKC" => System.Text.NormalizationForm.FormKC,
            "NFD" => System.Text.NormalizationForm.FormD,
            "NFKD" => System.Text.NormalizationForm.FormKD,
            _ => throw new SharpLMException($"{origin}: field 'normalizer.type' is '{type}'; supported: NFC, NFKC, NFD, NFKD or null."),
        };
    }

    /// <summary>Special tokens a TemplateProcessing post-processor places before the sequence ("single" template).</summary>
    private static IReadOnlyList<string> ReadPrefixTokens(JsonNode? node, IReadOnlyDictionary<string, int> specials, string origin)
    {
        var processors = node?["type"]?.GetValue<string>() == "Sequence" && node["processors"] is JsonArray list ? list.ToList() : [node];
        var template = processors.FirstOrDefault(p => p?["type"]?.GetValue<string>() == "TemplateProcessing");
        if (template?["single"] is not JsonArray single) return [];
        var prefix = new List<string>();
        foreach (var item in single)
        {
            if (item?["Sequence"] is not null) break;
            string? id = item?["SpecialToken"]?["id"]?.GetValue<string>();
            if (id is null) continue;
            if (!specials.ContainsKey(id))
                throw new SharpLMException($"{origin}: field 'post_processor' puts '{id}' before each sequence, but it is not in 'added_tokens'.");
            prefix.Add(id);
        }
        return prefix;
    }

    private static (string, string) ParseMerge(JsonNode? entry, string origin, int index)
    {
        switch (entry)
        {
            case JsonValue value when value.TryGetValue(out string? text):
                int space = text.IndexOf(' ', 1);
                if (space <= 0 || space == text.Length - 1)
                    throw new SharpLMException($"{origin}: field 'model.merges[{index}]' is \"{text}\", expected two tokens separated by one space.");
                return (text[..space], text[(space + 1)..]);
            case JsonArray pair when pair.Count == 2 && pair[0] is JsonValue a && pair[1] is JsonValue b
                                     && a.TryGetValue(out string? left) && b.TryGetValue(out string? right):
                return (left, right);
            default:
                throw new SharpLMException($"{origin}: field 'model.merges[{index}]' must be a \"left right\" string or a [left, right] pair.");
        }
    }

    private static string ReadPreTokenizerPattern(JsonNode? node, string origin)
    {
        if (node is not JsonObject preTokenizer)
            throw new SharpLMException($"{origin}: field 'pre_tokenizer' is missing; byte-level BPE needs a ByteLevel pre-tokenizer.");
        string type = Field<JsonValue>(preTokenizer, "type", origin, "pre_tokenizer.type").GetValue<string>();
        if (type == "ByteLevel")
        {
            bool useRegex = preTokenizer["use_regex"] is not JsonValue v || v.GetValue<bool>();
            if (!useRegex) throw new SharpLMException($"{origin}: field 'pre_tokenizer.use_regex' is false without a Split regex; such tokenizers are not supported.");
            return PreTokenizerPatterns.Gpt2;
        }
        if (type == "Sequence")
        {
            var steps = Field<JsonArray>(preTokenizer, "pretokenizers", origin, "pre_tokenizer.pretokenizers");
            string? pattern = null;
            bool byteLevel = false;
            foreach (var step in steps.OfType<JsonObject>())
            {
                string stepType = step["type"]?.GetValue<string>() ?? "";
                if (stepType == "Split" && step["pattern"] is JsonObject p && p["Regex"] is JsonValue regex)
                {
                    string behavior = step["behavior"]?.GetValue<string>() ?? "Isolated";
                    bool invert = step["invert"] is JsonValue inv && inv.GetValue<bool>();
                    if (behavior != "Isolated" || invert)
                        throw new SharpLMException($"{origin}: field 'pre_tokenizer' has a Split with behavior '{behavior}' and invert {invert.ToString().ToLowerInvariant()}; only Isolated without invert is supported.");
                    pattern = regex.GetValue<string>();
                }
                else if (stepType == "ByteLevel")
                {
                    byteLevel = true;
                    if (pattern is null && (step["use_regex"] is not JsonValue u || u.GetValue<bool>())) pattern = PreTokenizerPatterns.Gpt2;
                }
                else throw new SharpLMException($"{origin}: field 'pre_tokenizer.pretokenizers' contains a '{stepType}' step; only Split (regex) and ByteLevel are supported.");
            }
            if (!byteLevel || pattern is null)
                throw new SharpLMException($"{origin}: field 'pre_tokenizer' must be a Sequence of a regex Split and a ByteLevel step.");
            return pattern;
        }
        throw new SharpLMException($"{origin}: field 'pre_tokenizer.type' is '{type}', expected ByteLevel or Sequence.");
    }

    private static T Field<T>(JsonObject parent, string name, string origin, string path) where T : JsonNode =>
        parent[name] as T ?? throw new SharpLMException(parent.ContainsKey(name)
            ? $"{origin}: field '{path}' has the wrong type (expected {(typeof(T) == typeof(JsonObject) ? "an object" : typeof(T) == typeof(JsonArray) ? "an array" : "a value")})."
            : $"{origin}: field '{path}' is missing.");
}
