using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace SharpLM.Cli.Tests.Deploy;

/// <summary>
/// Renders the sharplm Helm chart the way helm would for the little of Go templating the chart uses:
/// <c>{{ .Values.a.b }}</c> and <c>{{ .Release.Name }}</c> substitutions, and <c>{{- if .Values.a.b }}</c> …
/// <c>{{- end }}</c> on lines of their own (true unless false, empty, 0 or missing, as in Go templates). Any other
/// template action is refused, so a template that starts to need more of helm fails here rather than being checked
/// wrongly.
/// </summary>
internal static partial class ChartRenderer
{
    [GeneratedRegex(@"^\s*\{\{-?\s*if\s+(\.[A-Za-z0-9_.]+)\s*-?\}\}\s*$")] private static partial Regex IfLine();
    [GeneratedRegex(@"^\s*\{\{-?\s*end\s*-?\}\}\s*$")] private static partial Regex EndLine();
    [GeneratedRegex(@"\{\{-?\s*(\.[A-Za-z0-9_.]+)\s*-?\}\}")] private static partial Regex Substitution();

    public static YamlMappingNode LoadValues(string valuesPath, params (string Path, string Value)[] overrides)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(valuesPath)) stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        foreach (var (path, value) in overrides)
        {
            var parts = path.Split('.');
            var node = root;
            foreach (string part in parts[..^1]) node = (YamlMappingNode)node.Children[new YamlScalarNode(part)];
            node.Children[new YamlScalarNode(parts[^1])] = new YamlScalarNode(value);
        }
        return root;
    }

    public static string Render(string template, YamlMappingNode values, string releaseName, string file)
    {
        var output = new List<string>();
        var conditions = new Stack<bool>();
        var lines = template.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (IfLine().Match(line) is { Success: true } condition)
            {
                conditions.Push(IsTrue(Lookup(condition.Groups[1].Value, values, releaseName, file, i + 1)));
                continue;
            }
            if (EndLine().IsMatch(line))
            {
                if (conditions.Count == 0) throw new InvalidDataException($"{file}:{i + 1}: end without if.");
                conditions.Pop();
                continue;
            }
            if (conditions.Any(c => !c)) continue;
            string rendered = Substitution().Replace(line, m => Lookup(m.Groups[1].Value, values, releaseName, file, i + 1) ?? "");
            if (rendered.Contains("{{")) throw new InvalidDataException($"{file}:{i + 1}: template action the test renderer does not support: {line.Trim()}");
            output.Add(rendered);
        }
        if (conditions.Count > 0) throw new InvalidDataException($"{file}: if without end.");
        return string.Join('\n', output);
    }

    private static string? Lookup(string path, YamlMappingNode values, string releaseName, string file, int line)
    {
        if (path == ".Release.Name") return releaseName;
        if (!path.StartsWith(".Values.", StringComparison.Ordinal)) throw new InvalidDataException($"{file}:{line}: unsupported reference {path}.");
        YamlNode node = values;
        foreach (string part in path[".Values.".Length..].Split('.'))
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(part), out var child))
                throw new InvalidDataException($"{file}:{line}: {path} is not in values.yaml.");
            node = child;
        }
        return node is YamlScalarNode scalar ? scalar.Value : throw new InvalidDataException($"{file}:{line}: {path} is not a scalar.");
    }

    private static bool IsTrue(string? value) => value is not (null or "" or "false" or "0");
}
