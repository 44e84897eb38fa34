using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SharpLM.Serving.Api;

/// <summary>POST /tokenize {"content": text} → {"tokens": [...]}; POST /detokenize {"tokens": [...]} → {"content": text} (llama-server's shapes).</summary>
public static class TokenizeEndpoints
{
    public static Task TokenizeAsync(HttpContext context, JsonFields fields, ServedModel model)
    {
        string content = fields.String("content") ?? throw RequestError.Invalid("content", "'content' is required.");
        var tokens = model.Tokenizer.Encode(content);
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("tokens");
            foreach (int id in tokens) w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    public static Task DetokenizeAsync(HttpContext context, JsonFields fields, ServedModel model)
    {
        if (fields.Get("tokens") is not { ValueKind: JsonValueKind.Array } array) throw RequestError.Invalid("tokens", "'tokens' must be an array of token ids.");
        var ids = new List<int>();
        foreach (var element in array.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int id) || id < 0 || id >= model.Tokenizer.VocabularySize)
                throw RequestError.Invalid("tokens", $"'tokens' must hold token ids from 0 to {model.Tokenizer.VocabularySize - 1}.");
            ids.Add(id);
        }
        string text = model.Tokenizer.Decode(ids);
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("content", text);
            w.WriteEndObject();
        }));
    }
}
