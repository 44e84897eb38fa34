using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Data.Contamination;

namespace SharpLM.Feedback.Flywheel;

/// <summary>
/// The texts built data is checked against: lines of training JSONL (for duplicates) and items of sealed evaluation
/// sets (for contamination). A sealed set is a JSONL file or a task folder, of which every *.jsonl below it is read
/// (the data files of lm-eval task YAMLs); each line's text is every string value it holds.
/// </summary>
internal static class ReferenceTexts
{
    public sealed record Line(string Key, string Text);

    public sealed record Source(string Path, string Sha256, int Lines);

    /// <summary>The JSONL files a sealed argument stands for, in ordinal order.</summary>
    public static IReadOnlyList<string> SealedFiles(string path)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path, "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new SharpLMException($"--sealed {path}: the folder holds no *.jsonl evaluation data.");
            return files;
        }
        InputFiles.RequireFile(path, "sealed evaluation set");
        return [path];
    }

    public static List<Line> Read(string path, string what, string keyPrefix)
    {
        var lines = new List<Line>();
        foreach (var (number, utf8) in JsonlLines.Read(path, what))
        {
            try
            {
                using var document = JsonDocument.Parse(utf8);
                lines.Add(new Line($"{keyPrefix}{Path.GetFileName(path)}:{number}", ItemText.OfJson(document.RootElement)));
            }
            catch (JsonException e)
            {
                throw new SharpLMException($"{path}:{number}: not valid JSON ({JsonFile.FirstSentence(e.Message)}).");
            }
        }
        return lines;
    }

    public static ContaminationIndex Index(IEnumerable<Line> sealedLines, int n) =>
        ContaminationIndex.FromItems(sealedLines.Select(l => (l.Key, l.Text)), n);

    public static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
    }
}
