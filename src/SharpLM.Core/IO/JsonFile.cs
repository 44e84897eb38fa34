using System.Text.Json;

namespace SharpLM.Core.IO;

/// <summary>Reads a JSON file into a type, turning every failure into one sentence that names the file (and the JSON path).</summary>
public static class JsonFile
{
    public static T Read<T>(string path, string what, JsonSerializerOptions? options = null) where T : class
    {
        InputFiles.RequireFile(path, what);
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(File.ReadAllText(path), options);
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 0 } p && p != "$" ? $" at {p}" : "";
            throw new SharpLMException($"{path}: not a valid {what}{where} ({FirstSentence(e.Message)}).");
        }
        return value ?? throw new SharpLMException($"{path}: not a valid {what} (the file holds 'null').");
    }

    /// <summary>The first sentence of a System.Text.Json message, without its trailing path and position details.</summary>
    public static string FirstSentence(string message) => message.Split(". ")[0].Split(" Path:")[0].TrimEnd('.');
}
