using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SharpLM.Serving.Api;

/// <summary>
/// POST /v1/embeddings in OpenAI's shape: input as a string, strings, token ids or arrays of token ids; each answered
/// with the unit-length mean of the model's final hidden states, as floats or base64 (little-endian float32).
/// </summary>
public static class EmbeddingsEndpoint
{
    /// <summary>Inputs one request may carry, as OpenAI's API allows.</summary>
    private const int MaxInputs = 2048;

    public static async Task HandleAsync(HttpContext context, JsonFields fields, ServedModel model)
    {
        var inputs = Inputs(fields, model);
        string format = fields.String("encoding_format") ?? "float";
        if (format is not ("float" or "base64")) throw RequestError.Invalid("encoding_format", "'encoding_format' must be \"float\" or \"base64\".");
        // The model was not trained for truncated (Matryoshka) embeddings, so a shorter vector is refused, not cut.
        if (fields.Integer("dimensions", 1, int.MaxValue) is { } dimensions && dimensions != model.EmbeddingDimensions)
            throw RequestError.Invalid("dimensions", $"'dimensions' must be the model's hidden size, {model.EmbeddingDimensions} (got {dimensions}).");
        for (int i = 0; i < inputs.Count; i++)
            if (inputs[i].Length > model.MaxContext)
                throw RequestError.Invalid($"input[{i}]", $"'input[{i}]' is {inputs[i].Length} tokens; the model's context is {model.MaxContext}.");

        var vectors = await model.EmbedAsync(inputs, context.RequestAborted);
        int tokens = inputs.Sum(i => i.Length);
        await context.Response.WriteAsync(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            for (int i = 0; i < vectors.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("object", "embedding");
                w.WriteNumber("index", i);
                if (format == "base64")
                {
                    if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("base64 embeddings are written on little-endian machines only.");
                    w.WriteBase64String("embedding", MemoryMarshal.AsBytes(vectors[i].AsSpan()));
                }
                else
                {
                    w.WriteStartArray("embedding");
                    foreach (float value in vectors[i]) w.WriteNumberValue(value);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("model", model.Id);
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", tokens);
            w.WriteNumber("total_tokens", tokens);
            w.WriteEndObject();
            w.WriteEndObject();
        }), context.RequestAborted);
    }

    /// <summary>The token sequences to embed, each a 400 naming input or input[i] when it is of the wrong shape.</summary>
    private static List<int[]> Inputs(JsonFields fields, ServedModel model)
    {
        const string Shape = "'input' must be a string, an array of strings, an array of token ids or an array of arrays of token ids.";
        if (fields.Get("input") is not { } input) throw RequestError.Invalid("input", "'input' is required.");
        if (input.ValueKind == JsonValueKind.String) return [Text(input, "input[0]", model)];
        if (input.ValueKind != JsonValueKind.Array) throw RequestError.Invalid("input", Shape);
        var items = input.EnumerateArray().ToList();
        if (items.Count == 0) throw RequestError.Invalid("input", "'input' must not be an empty array.");
        if (items.All(e => e.ValueKind == JsonValueKind.Number)) return [Ids(input, "input[0]", model)];
        if (items.Count > MaxInputs) throw RequestError.Invalid("input", $"'input' takes at most {MaxInputs} inputs.");
        var result = new List<int[]>(items.Count);
        for (int i = 0; i < items.Count; i++)
            result.Add(items[i].ValueKind switch
            {
                JsonValueKind.String => Text(items[i], $"input[{i}]", model),
                JsonValueKind.Array => Ids(items[i], $"input[{i}]", model),
                _ => throw RequestError.Invalid($"input[{i}]", Shape),
            });
        return result;
    }

    private static int[] Text(JsonElement text, string param, ServedModel model)
    {
        var ids = model.Tokenizer.Encode(text.GetString()!).ToArray();
        return ids.Length > 0 ? ids : throw RequestError.Invalid(param, $"'{param}' must not be empty.");
    }

    private static int[] Ids(JsonElement array, string param, ServedModel model)
    {
        var ids = new List<int>();
        foreach (var element in array.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int id) || id < 0 || id >= model.Tokenizer.VocabularySize)
                throw RequestError.Invalid(param, $"'{param}' must hold token ids from 0 to {model.Tokenizer.VocabularySize - 1}.");
            ids.Add(id);
        }
        return ids.Count > 0 ? ids.ToArray() : throw RequestError.Invalid(param, $"'{param}' must not be empty.");
    }
}
