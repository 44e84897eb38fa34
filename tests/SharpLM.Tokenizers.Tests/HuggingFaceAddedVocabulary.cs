using System.Text.Json.Nodes;

namespace SharpLM.Tokenizers.Tests;

/// <summary>
/// The ids Hugging Face tokenizers gives the added tokens of a tokenizer.json when it loads it (its
/// AddedVocabulary.add_tokens): a token already in the model's vocabulary keeps that id; any other gets the
/// vocabulary's entry count if no added token has an id at or above it yet, else one more than the largest
/// added id. Empty and repeated tokens are skipped. The ids the file states play no part.
/// </summary>
public static class HuggingFaceAddedVocabulary
{
    public static Dictionary<string, int> Ids(JsonObject tokenizerJson)
    {
        var vocab = tokenizerJson["model"]!["vocab"]!.AsObject();
        int vocabSize = vocab.Count;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int max = -1;
        foreach (var token in tokenizerJson["added_tokens"]!.AsArray())
        {
            string content = token!["content"]!.GetValue<string>();
            if (content.Length == 0 || ids.ContainsKey(content)) continue;
            int id;
            if (vocab[content] is { } inVocab) id = inVocab.GetValue<int>();
            else if (ids.Count == 0) id = vocabSize;
            else id = max >= vocabSize || vocabSize == 0 ? max + 1 : vocabSize;
            ids[content] = id;
            max = Math.Max(max, id);
        }
        return ids;
    }

    /// <summary>The ids the file states for its added tokens.</summary>
    public static Dictionary<string, int> StatedIds(JsonObject tokenizerJson) =>
        tokenizerJson["added_tokens"]!.AsArray().ToDictionary(t => t!["content"]!.GetValue<string>(), t => t!["id"]!.GetValue<int>(), StringComparer.Ordinal);

    /// <summary>How many ids Hugging Face's tokenizer has (len(tokenizer)): vocabulary entries plus added tokens outside it.</summary>
    public static int Size(JsonObject tokenizerJson)
    {
        var vocab = tokenizerJson["model"]!["vocab"]!.AsObject();
        return vocab.Count + Ids(tokenizerJson).Keys.Count(k => !vocab.ContainsKey(k));
    }
}
