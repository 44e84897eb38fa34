using System.Text.Json;

namespace SharpLM.Serving.Api;

/// <summary>
/// Typed reads of a request body's fields, each failure a 400 naming the field. Unknown fields are ignored, as
/// OpenAI's API ignores them; a field present with the wrong type or out of range is refused.
/// </summary>
public sealed class JsonFields(JsonElement root)
{
    public JsonElement Root { get; } = root;

    public static JsonFields Parse(byte[] body)
    {
        // The JSON reader checks UTF-8 only when a string is read; refuse a broken body whole, before anything uses it.
        if (!System.Text.Unicode.Utf8.IsValid(body)) throw new RequestError(400, "the request body is not valid UTF-8.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new RequestError(400, $"the request body is not valid JSON ({e.Message.Split(". ")[0]}).");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new RequestError(400, "the request body must be a JSON object.");
        return new JsonFields(document.RootElement);
    }

    public bool Has(string name) => Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public JsonElement? Get(string name) => Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public string? String(string name) => Get(name) is { } v
        ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw RequestError.Invalid(name, $"'{name}' must be a string.")
        : null;

    public bool? Bool(string name) => Get(name) is { } v
        ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw RequestError.Invalid(name, $"'{name}' must be a boolean.")
        : null;

    public double? Number(string name, double min, double max)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double value)) throw RequestError.Invalid(name, $"'{name}' must be a number.");
        if (value < min || value > max) throw RequestError.Invalid(name, $"'{name}' must be between {min} and {max} (got {value}).");
        return value;
    }

    public long? Integer(string name, long min, long max)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long value)) throw RequestError.Invalid(name, $"'{name}' must be an integer.");
        if (value < min || value > max) throw RequestError.Invalid(name, $"'{name}' must be between {min} and {max} (got {value}).");
        return value;
    }

    /// <summary>A string or an array of strings (OpenAI's "stop").</summary>
    public IReadOnlyList<string> Strings(string name, int maxCount)
    {
        if (Get(name) is not { } v) return [];
        if (v.ValueKind == JsonValueKind.String) return [v.GetString()!];
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw RequestError.Invalid(name, $"'{name}' must be a string or an array of strings.");
        var values = v.EnumerateArray().Select(e => e.GetString()!).ToList();
        if (values.Count > maxCount) throw RequestError.Invalid(name, $"'{name}' takes at most {maxCount} strings.");
        if (values.Any(s => s.Length == 0)) throw RequestError.Invalid(name, $"'{name}' must not contain empty strings.");
        return values;
    }
}
