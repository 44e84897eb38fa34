using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SharpLM.Evaluation.Tasks;

/// <summary>
/// A task's identity for results files: the SHA-256 of its keys (after <c>include:</c>, as JSON) and of each split's
/// data file, so it changes when a template, a setting or any document changes, and not when the folder moves.
/// </summary>
public static class TaskContentHash
{
    public static string Compute(TaskConfig task)
    {
        var text = new StringBuilder();
        text.Append("config ").Append(JsonSerializer.Serialize(task.Raw)).Append('\n');
        foreach (var (split, path) in task.DataFiles.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string digest = File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : "missing";
            text.Append("split ").Append(split).Append(' ').Append(digest).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
