namespace SharpLM.Core.IO;

/// <summary>Checks on user-supplied paths that turn into one-line errors instead of stack traces.</summary>
public static class InputFiles
{
    public static string RequireFile(string path, string what)
    {
        if (!File.Exists(path))
            throw new SharpLMException(Directory.Exists(path)
                ? $"{path}: expected {what} file but found a directory."
                : $"{path}: {what} file not found.");
        return path;
    }

    /// <summary>An output file path, refused before the work that would fill it when it names a directory.</summary>
    public static string RequireOutputFile(string path, string option)
    {
        if (Directory.Exists(path)) throw new SharpLMException($"option {option} '{path}' is a directory; name the file to write.");
        return path;
    }

    public static string RequireDirectory(string path, string what)
    {
        if (!Directory.Exists(path)) throw new SharpLMException($"{path}: {what} directory not found.");
        return path;
    }
}
