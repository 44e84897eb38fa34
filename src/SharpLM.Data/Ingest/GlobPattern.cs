using System.Text;
using System.Text.RegularExpressions;

namespace SharpLM.Data.Ingest;

/// <summary>
/// File globs for source inputs: '*' and '?' match within one path segment, '**' matches any number of directories.
/// Matches are files only, returned with '/' separators relative to the base directory and sorted ordinally so a
/// run reads them in the same order on every machine.
/// </summary>
public static class GlobPattern
{
    public static bool IsGlob(string input) => input.IndexOfAny(['*', '?']) >= 0;

    /// <summary>The files under <paramref name="baseDirectory"/> that <paramref name="pattern"/> matches, as full paths, sorted.</summary>
    public static IReadOnlyList<string> Expand(string pattern, string baseDirectory)
    {
        string normalized = pattern.Replace('\\', '/');
        string[] segments = normalized.Split('/');
        int firstWild = Array.FindIndex(segments, IsGlob);
        string prefix = string.Join('/', segments[..firstWild]);
        if (prefix.Length == 0 && normalized.StartsWith('/')) prefix = "/";
        string root = Path.GetFullPath(Path.Combine(baseDirectory, prefix));
        var regex = new Regex("^" + PathRegex(segments[firstWild..]) + "$", RegexOptions.CultureInvariant);
        if (!Directory.Exists(root)) return [];
        var matches = new List<string>();
        var options = new EnumerationOptions { RecurseSubdirectories = segments[firstWild..].Length > 1, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (string file in Directory.EnumerateFiles(root, "*", options))
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (regex.IsMatch(relative)) matches.Add(file);
        }
        matches.Sort(StringComparer.Ordinal);
        return matches;
    }

    /// <summary>'**' becomes "any directories (or none)", '*' anything but '/', '?' one character but '/'.</summary>
    private static string PathRegex(string[] segments)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < segments.Length; i++)
        {
            if (segments[i] == "**") builder.Append(i == segments.Length - 1 ? ".*" : "(?:[^/]+/)*");
            else builder.Append(SegmentRegex(segments[i])).Append(i == segments.Length - 1 ? "" : "/");
        }
        return builder.ToString();
    }

    private static string SegmentRegex(string segment)
    {
        var builder = new StringBuilder();
        foreach (char c in segment)
            builder.Append(c switch
            {
                '*' => "[^/]*",
                '?' => "[^/]",
                _ => Regex.Escape(c.ToString()),
            });
        return builder.ToString();
    }
}
