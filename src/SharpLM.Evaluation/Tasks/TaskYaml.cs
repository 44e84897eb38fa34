using SharpLM.Core;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SharpLM.Evaluation.Tasks;

/// <summary>
/// Reads an lm-eval task file into plain values (string scalars, lists, string-keyed maps), following
/// <c>include:</c> chains relative to each file; the including file's keys override the included ones.
/// A <c>!function</c> value (Python code) is refused naming the key.
/// </summary>
internal static class TaskYaml
{
    public static Dictionary<string, object?> Load(string path) => Load(Path.GetFullPath(path), []);

    private static Dictionary<string, object?> Load(string path, HashSet<string> visiting)
    {
        if (!File.Exists(path)) throw new SharpLMException($"{path}: task file not found.");
        if (!visiting.Add(path)) throw new SharpLMException($"{path}: include: cycles back to this file.");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new SharpLMException($"{path}: line {e.Start.Line}: not valid YAML ({e.Message}).");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new SharpLMException($"{path}: a task file must be a YAML mapping of keys such as task: and doc_to_text:.");
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in root.Children)
        {
            string key = ((YamlScalarNode)keyNode).Value ?? "";
            values[key] = Convert(valueNode, path, key);
        }
        if (values.Remove("include", out var include))
        {
            if (include is not string includePath) throw new SharpLMException($"{path}: include: must name one file.");
            var baseValues = Load(Path.GetFullPath(includePath, Path.GetDirectoryName(path)!), visiting);
            foreach (var (key, value) in values) baseValues[key] = value;
            values = baseValues;
        }
        visiting.Remove(path);
        return values;
    }

    private static object? Convert(YamlNode node, string path, string key)
    {
        if (!node.Tag.IsEmpty && node.Tag.Value.StartsWith("!function", StringComparison.Ordinal))
            throw new SharpLMException($"{path}: line {node.Start.Line}: {key}: !function calls Python code, which SharpLM cannot run (doc_to_text, doc_to_target and doc_to_choice can be Jinja templates instead).");
        if (!node.Tag.IsEmpty && !node.Tag.Value.StartsWith("tag:yaml.org", StringComparison.Ordinal))
            throw new SharpLMException($"{path}: line {node.Start.Line}: {key}: the YAML tag {node.Tag.Value} is not supported.");
        return node switch
        {
            YamlScalarNode scalar => scalar.Style is ScalarStyle.Plain && scalar.Value is "null" or "~" or "" ? null : scalar.Value,
            YamlSequenceNode sequence => sequence.Children.Select(c => Convert(c, path, key)).ToList(),
            YamlMappingNode mapping => mapping.Children.ToDictionary(
                p => ((YamlScalarNode)p.Key).Value ?? "", p => Convert(p.Value, path, key), StringComparer.Ordinal),
            _ => throw new SharpLMException($"{path}: line {node.Start.Line}: {key}: YAML aliases are not supported."),
        };
    }
}
