using SharpLM.Core;

namespace SharpLM.Evaluation.Metrics;

/// <summary>Reads one segment per line, as sacreBLEU's command line does: line breaks removed, nothing else.</summary>
public static class SegmentFile
{
    public static List<string> Read(string path)
    {
        if (!File.Exists(path)) throw new SharpLMException($"{path}: file not found.");
        var lines = new List<string>();
        using var reader = new StreamReader(path);
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }
}
