using System.Text.Json;
using System.Text.RegularExpressions;
using SharpLM.Core;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SharpLM.Safety.Guardrails;

/// <summary>
/// A YAML mapping turned into the JSON value the policy loader already validates, with the line of each top-level
/// key so errors can point at it. Plain scalars follow YAML 1.2's core schema (true/false, integers, null); quoted
/// scalars stay strings, so <c>refusal: "true"</c> is text, as it would be in JSON.
/// </summary>
internal static partial class YamlAsJson
{
    public static (JsonElement Root, IReadOnlyDictionary<string, int> KeyLines) Read(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new SharpLMException($"{path}: line {e.Start.Line}: not valid YAML ({FirstLine(e.Message)}).");
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new SharpLMException($"{path}: the policy must be one YAML mapping of fields such as refusal: and tools:.");
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in root.Children.Keys.OfType<YamlScalarNode>()) lines[key.Value ?? ""] = (int)key.Start.Line;
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, root, path);
        return (JsonDocument.Parse(buffer.ToArray()).RootElement.Clone(), lines);
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                        throw new SharpLMException($"{path}: line {key.Start.Line}: a key must be a plain name.");
                    writer.WritePropertyName(name);
                    Write(writer, value, path);
                }
                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children) Write(writer, item, path);
                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw new SharpLMException($"{path}: line {node.Start.Line}: YAML aliases are not supported in a policy.");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain) writer.WriteStringValue(text);
        else if (text is "" or "~" or "null" or "Null" or "NULL") writer.WriteNullValue();
        else if (text is "true" or "True" or "TRUE") writer.WriteBooleanValue(true);
        else if (text is "false" or "False" or "FALSE") writer.WriteBooleanValue(false);
        else if (IntegerPattern().IsMatch(text) && long.TryParse(text, out long number)) writer.WriteNumberValue(number);
        else writer.WriteStringValue(text);
    }

    private static string FirstLine(string message) => message.Split('\n')[0].TrimEnd('.');

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();
}
