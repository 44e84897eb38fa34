using System.Globalization;
using SharpLM.Core;

namespace SharpLM.Evaluation.Tasks;

/// <summary>Typed reads of a task file's YAML values, each failure naming the file and the key.</summary>
internal sealed class FieldReader(string path, IReadOnlyDictionary<string, object?> values, string prefix = "")
{
    public string? String(string key, string? fallback) => values.GetValueOrDefault(key) switch
    {
        null => fallback,
        string s => s,
        _ => throw Error(key, "must be a string"),
    };

    public int Int(string key, int fallback) => values.GetValueOrDefault(key) switch
    {
        null => fallback,
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) => i,
        _ => throw Error(key, "must be an integer"),
    };

    public double Double(string key, double fallback) => values.GetValueOrDefault(key) switch
    {
        null => fallback,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => throw Error(key, "must be a number"),
    };

    public bool Bool(string key, bool fallback) => values.GetValueOrDefault(key) switch
    {
        null => fallback,
        string s when s is "true" or "True" => true,
        string s when s is "false" or "False" => false,
        _ => throw Error(key, "must be true or false"),
    };

    public Dictionary<string, object?>? Map(string key) => values.GetValueOrDefault(key) switch
    {
        null => null,
        Dictionary<string, object?> map => map,
        _ => throw Error(key, "must be a mapping"),
    };

    public List<object?>? List(string key) => values.GetValueOrDefault(key) switch
    {
        null => null,
        List<object?> list => list,
        _ => throw Error(key, "must be a list"),
    };

    public DocumentTemplate? Template(string key) => values.GetValueOrDefault(key) switch
    {
        null => null,
        var value => DocumentTemplate.From(value, $"{path}: {key}"),
    };

    private SharpLMException Error(string key, string problem) => new($"{path}: {prefix}{key} {problem}.");
}
