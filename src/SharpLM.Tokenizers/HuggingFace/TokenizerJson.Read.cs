using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.HuggingFace;

/// <summary>Reading tokenizer.json: every field checked, every problem naming the file and the field.</summary>
public static partial class TokenizerJson
{
    public static BpeTokenizer Load(string path)
    {
        InputFiles.RequireFile(path, "tokenizer.json");
        JsonNode? root;
        try
        {
            // A repeated key (two entries for one vocabulary token) is refused while parsing, naming its position.
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            string line = e.LineNumber is long number ? $" at line {number + 1}" : "";
            throw new SharpLMException($"{path}: not valid JSON{line} ({JsonFile.FirstSentence(e.Message)}).");
        }
        if (root is not JsonObject document) throw new SharpLMException($"{path}: expected a JSON object at the top level.");
        return FromJson(document, path);
    }

    public static BpeTokenizer FromJson(JsonObject document, string origin)
    {
        var model = JsonFields.Required<JsonObject>(document, "model", origin, "model");
        string type = JsonFields.RequiredText(model, "type", origin, "model.type");
        if (type != "BPE") throw new SharpLMException($"{origin}: field 'model.type' is '{type}', only 'BPE' is supported.");

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, value) in JsonFields.Required<JsonObject>(model, "vocab", origin, "model.vocab"))
        {
            if (value is not JsonValue v || !v.TryGetValue(out int id))
                throw new SharpLMException($"{origin}: field 'model.vocab' maps '{token}' to {value?.ToJsonString() ?? "null"}, expected an integer id.");
            vocabulary[token] = id;
        }

        var merges = new List<(string, string)>();
        int index = 0;
        foreach (var entry in JsonFields.Required<JsonArray>(model, "merges", origin, "model.merges"))
        {
            merges.Add(ParseMerge(entry, origin, index++));
        }

        var specials = ReadAddedTokens(document, vocabulary, merges, origin);

        string pattern = ReadPreTokenizerPattern(document["pre_tokenizer"], origin);
        bool ignoreMerges = JsonFields.Flag(model, "ignore_merges", false, origin, "model.ignore_merges");
        if (JsonFields.Flag(model, "byte_fallback", false, origin, "model.byte_fallback"))
            throw new SharpLMException($"{origin}: field 'model.byte_fallback' is true; that is SentencePiece-style BPE, not byte-level BPE.");
        RefuseWordPieceAffixesAndDropout(model, origin);
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
            var contentValue = JsonFields.Required<JsonValue>(t, "content", origin, fieldName + ".content");
            var idValue = JsonFields.Required<JsonValue>(t, "id", origin, fieldName + ".id");
            if (!contentValue.TryGetValue(out string? content))
                throw new SharpLMException($"{origin}: field '{fieldName}.content' is {contentValue.ToJsonString()}, expected a string.");
            if (!idValue.TryGetValue(out int id) || id < 0)
                throw new SharpLMException($"{origin}: field '{fieldName}.id' is {idValue.ToJsonString()}, expected a non-negative integer.");
            if (content.Length == 0)
                throw new SharpLMException($"{origin}: field '{fieldName}.content' is empty; an empty added token would match between every two characters.");
            // These change which text the token takes (the spaces around it, or only whole words); SharpLM matches the exact text.
            foreach (string flag in new[] { "lstrip", "rstrip", "single_word" })
                if (JsonFields.Flag(t, flag, false, origin, $"{fieldName}.{flag}"))
                    throw new SharpLMException($"{origin}: field '{fieldName}.{flag}' is true for '{content}'; SharpLM matches added tokens as exact text only.");
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

    /// <summary>
    /// Model settings that change encoding and that SharpLM does not apply: word-piece affixes, and BPE dropout
    /// (Hugging Face skips merges at random when it is set), refused rather than silently encoding differently.
    /// </summary>
    private static void RefuseWordPieceAffixesAndDropout(JsonObject model, string origin)
    {
        foreach (string affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (JsonFields.OptionalText(model, affix, origin, "model." + affix) is { Length: > 0 } text)
                throw new SharpLMException($"{origin}: field 'model.{affix}' is \"{text}\"; byte-level BPE tokenizers have none, and SharpLM does not apply it.");
        if (model["dropout"] is JsonValue dropout && (!dropout.TryGetValue(out double p) || p > 0))
            throw new SharpLMException($"{origin}: field 'model.dropout' is {dropout.ToJsonString()}; BPE dropout makes encoding random, and SharpLM encodes deterministically.");
    }

    private static System.Text.NormalizationForm? ReadNormalizer(JsonNode? node, string origin)
    {
        if (JsonFields.OptionalObject(node, origin, "normalizer") is not { } normalizer) return null;
        string type = JsonFields.OptionalText(normalizer, "type", origin, "normalizer.type") ?? "";
        return type switch
        {
            "NFC" => System.Text.NormalizationForm.FormC,
            "NFKC" => System.Text.NormalizationForm.FormKC,
            "NFD" => System.Text.NormalizationForm.FormD,
            "NFKD" => System.Text.NormalizationForm.FormKD,
            _ => throw new SharpLMException($"{origin}: field 'normalizer.type' is '{type}'; supported: NFC, NFKC, NFD, NFKD or null."),
        };
    }

    /// <summary>
    /// Special tokens a TemplateProcessing post-processor places before the sequence ("single" template). Tokens
    /// it places after the sequence are refused: SharpLM would leave them out.
    /// </summary>
    private static IReadOnlyList<string> ReadPrefixTokens(JsonNode? node, IReadOnlyDictionary<string, int> specials, string origin)
    {
        if (JsonFields.OptionalObject(node, origin, "post_processor") is not { } processor) return [];
        var processors = JsonFields.OptionalText(processor, "type", origin, "post_processor.type") == "Sequence" && processor["processors"] is JsonArray list
            ? list.OfType<JsonObject>().ToList() : [processor];
        var template = processors.FirstOrDefault(p => p["type"] is JsonValue t && t.TryGetValue(out string? name) && name == "TemplateProcessing");
        if (template?["single"] is not JsonArray single) return [];
        var prefix = new List<string>();
        bool afterSequence = false;
        foreach (var item in single.OfType<JsonObject>())
        {
            if (item["Sequence"] is not null) { afterSequence = true; continue; }
            if (item["SpecialToken"] is not JsonObject token || token["id"] is not JsonValue value || !value.TryGetValue(out string? id)) continue;
            if (afterSequence)
                throw new SharpLMException($"{origin}: field 'post_processor' puts '{id}' after each sequence; SharpLM adds special tokens only before it.");
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

    /// <summary>
    /// The pre-tokenizer regex: ByteLevel alone (GPT-2's regex), or a Sequence of one regex Split (Isolated) and a
    /// ByteLevel step without its own regex. Anything Hugging Face would split differently is refused: a prefix
    /// space, two regexes applied one after the other, other steps.
    /// </summary>
    private static string ReadPreTokenizerPattern(JsonNode? node, string origin)
    {
        if (node is null)
            throw new SharpLMException($"{origin}: field 'pre_tokenizer' is missing; byte-level BPE needs a ByteLevel pre-tokenizer.");
        var preTokenizer = JsonFields.OptionalObject(node, origin, "pre_tokenizer")!;
        string type = JsonFields.RequiredText(preTokenizer, "type", origin, "pre_tokenizer.type");
        if (type == "ByteLevel")
        {
            RefusePrefixSpace(preTokenizer, origin, "pre_tokenizer");
            if (!JsonFields.Flag(preTokenizer, "use_regex", true, origin, "pre_tokenizer.use_regex"))
                throw new SharpLMException($"{origin}: field 'pre_tokenizer.use_regex' is false without a Split regex; such tokenizers are not supported.");
            return PreTokenizerPatterns.Gpt2;
        }
        if (type == "Sequence")
        {
            var steps = JsonFields.Required<JsonArray>(preTokenizer, "pretokenizers", origin, "pre_tokenizer.pretokenizers");
            string? split = null;
            bool byteLevel = false, byteLevelRegex = false;
            for (int i = 0; i < steps.Count; i++)
            {
                string path = $"pre_tokenizer.pretokenizers[{i}]";
                var step = JsonFields.OptionalObject(steps[i], origin, path) ?? throw new SharpLMException($"{origin}: field '{path}' is null, expected an object.");
                string stepType = JsonFields.OptionalText(step, "type", origin, path + ".type") ?? "";
                if (stepType == "Split" && step["pattern"] is JsonObject p && p["Regex"] is not null)
                {
                    string regex = JsonFields.RequiredText(p, "Regex", origin, path + ".pattern.Regex");
                    string behavior = JsonFields.OptionalText(step, "behavior", origin, path + ".behavior") ?? "Isolated";
                    bool invert = JsonFields.Flag(step, "invert", false, origin, path + ".invert");
                    if (behavior != "Isolated" || invert)
                        throw new SharpLMException($"{origin}: field 'pre_tokenizer' has a Split with behavior '{behavior}' and invert {invert.ToString().ToLowerInvariant()}; only Isolated without invert is supported.");
                    if (split is not null)
                        throw new SharpLMException($"{origin}: field '{path}' is a second Split; SharpLM applies one pre-tokenizer regex.");
                    if (byteLevel)
                        throw new SharpLMException($"{origin}: field '{path}' splits after the ByteLevel step, on byte-alphabet text (spaces already 'Ġ'); only Split before ByteLevel is supported.");
                    split = regex;
                }
                else if (stepType == "ByteLevel")
                {
                    RefusePrefixSpace(step, origin, path);
                    byteLevel = true;
                    byteLevelRegex = JsonFields.Flag(step, "use_regex", true, origin, path + ".use_regex");
                }
                else throw new SharpLMException($"{origin}: field 'pre_tokenizer.pretokenizers' contains a '{stepType}' step; only Split (regex) and ByteLevel are supported.");
            }
            if (split is not null && byteLevelRegex)
                throw new SharpLMException($"{origin}: field 'pre_tokenizer' applies a Split regex and then ByteLevel's own regex (use_regex true); SharpLM applies one pre-tokenizer regex.");
            string? pattern = split ?? (byteLevelRegex ? PreTokenizerPatterns.Gpt2 : null);
            if (!byteLevel || pattern is null)
                throw new SharpLMException($"{origin}: field 'pre_tokenizer' must be a Sequence of a regex Split and a ByteLevel step.");
            return pattern;
        }
        throw new SharpLMException($"{origin}: field 'pre_tokenizer.type' is '{type}', expected ByteLevel or Sequence.");
    }

    /// <summary>ByteLevel's add_prefix_space puts a space before the text (RoBERTa), which changes the first word's ids.</summary>
    private static void RefusePrefixSpace(JsonObject byteLevel, string origin, string path)
    {
        if (JsonFields.Flag(byteLevel, "add_prefix_space", false, origin, path + ".add_prefix_space"))
            throw new SharpLMException($"{origin}: field '{path}.add_prefix_space' is true; SharpLM does not put a space before the text.");
    }
}
