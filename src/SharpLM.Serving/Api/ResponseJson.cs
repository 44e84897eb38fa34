using System.Text;
using System.Text.Json;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Serving.Api;

/// <summary>The JSON pieces both completion endpoints write, in OpenAI's shapes.</summary>
public static class ResponseJson
{
    public static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The fields every response and chunk opens with: id, object, created, model.</summary>
    public static void Header(Utf8JsonWriter writer, string id, string objectName, long created, string model)
    {
        writer.WriteString("id", id);
        writer.WriteString("object", objectName);
        writer.WriteNumber("created", created);
        writer.WriteString("model", model);
    }

    /// <summary>The stream's last chunk before [DONE] when usage was asked for: no choices, the usage.</summary>
    public static string UsageChunk(string id, string objectName, long created, string model, int promptTokens, int completionTokens, int cachedTokens) => Write(w =>
    {
        w.WriteStartObject();
        Header(w, id, objectName, created, model);
        w.WriteStartArray("choices");
        w.WriteEndArray();
        Usage(w, promptTokens, completionTokens, cachedTokens);
        w.WriteEndObject();
    });

    public static void Usage(Utf8JsonWriter writer, int promptTokens, int completionTokens, int cachedTokens)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", promptTokens);
        writer.WriteNumber("completion_tokens", completionTokens);
        writer.WriteNumber("total_tokens", promptTokens + completionTokens);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("cached_tokens", cachedTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>A token's text and its UTF-8 bytes (a token may hold part of a character, so the bytes are what is exact).</summary>
    public static (string Text, byte[] Bytes) Token(BpeTokenizer tokenizer, int id)
    {
        var bytes = new List<byte>();
        tokenizer.AppendBytes(id, bytes);
        return (Encoding.UTF8.GetString(bytes.ToArray()), bytes.ToArray());
    }

    /// <summary>Chat's logprobs: {"content":[{"token","logprob","bytes","top_logprobs":[...]}]}.</summary>
    public static void ChatLogProbabilities(Utf8JsonWriter writer, BpeTokenizer tokenizer, IReadOnlyList<TokenLogProbabilities> entries)
    {
        writer.WriteStartObject("logprobs");
        writer.WriteStartArray("content");
        foreach (var entry in entries)
        {
            writer.WriteStartObject();
            ChatToken(writer, tokenizer, entry.Chosen);
            writer.WriteStartArray("top_logprobs");
            foreach (var top in entry.Top)
            {
                writer.WriteStartObject();
                ChatToken(writer, tokenizer, top);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void ChatToken(Utf8JsonWriter writer, BpeTokenizer tokenizer, TokenLogProbability token)
    {
        var (text, bytes) = Token(tokenizer, token.Token);
        writer.WriteString("token", text);
        writer.WriteNumber("logprob", token.LogProbability);
        writer.WriteStartArray("bytes");
        foreach (byte b in bytes) writer.WriteNumberValue(b);
        writer.WriteEndArray();
    }

    /// <summary>
    /// The legacy completions logprobs: tokens, token_logprobs, top_logprobs (token text → logprob) and text_offset. An
    /// entry may be null (the first token of an echoed prompt has nothing before it): its logprob and top are null.
    /// </summary>
    public static void CompletionLogProbabilities(Utf8JsonWriter writer, BpeTokenizer tokenizer, IReadOnlyList<int> tokens,
        IReadOnlyList<TokenLogProbabilities?> entries, int firstOffset)
    {
        var texts = tokens.Select(t => Token(tokenizer, t).Text).ToList();
        writer.WriteStartObject("logprobs");
        writer.WriteStartArray("tokens");
        foreach (string text in texts) writer.WriteStringValue(text);
        writer.WriteEndArray();
        writer.WriteStartArray("token_logprobs");
        foreach (var entry in entries)
            if (entry is null) writer.WriteNullValue(); else writer.WriteNumberValue(entry.Chosen.LogProbability);
        writer.WriteEndArray();
        writer.WriteStartArray("top_logprobs");
        foreach (var entry in entries)
        {
            if (entry is null)
            {
                writer.WriteNullValue();
                continue;
            }
            writer.WriteStartObject();
            // Two ids can decode to the same text (parts of characters); the first, most likely, wins, as a JSON object has one value per key.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var top in entry.Top)
            {
                string text = Token(tokenizer, top.Token).Text;
                if (seen.Add(text)) writer.WriteNumber(text, top.LogProbability);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("text_offset");
        int offset = firstOffset;
        foreach (string text in texts)
        {
            writer.WriteNumberValue(offset);
            offset += text.Length;
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
