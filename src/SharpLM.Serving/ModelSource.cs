namespace SharpLM.Serving;

/// <summary>
/// A model folder to serve, when given its name in the API (otherwise the folder's name), and a PEFT adapter folder
/// (LoRA or prompt tuning) the engine applies as it loads.
/// </summary>
public sealed record ModelSource(string Directory, string? Id = null, string? Adapter = null)
{
    /// <summary>The name the API uses for this model.</summary>
    public string ApiId => Id ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Directory)));

    /// <summary>
    /// `DIR` or `NAME=DIR`, as `--model` takes it. A value whose text before the first '=' holds a path separator,
    /// or that names an existing folder whole, is a plain folder, so folders with '=' in their names still work.
    /// </summary>
    public static ModelSource Parse(string text)
    {
        int equals = text.IndexOf('=');
        if (equals < 0 || System.IO.Directory.Exists(text) || text[..equals].IndexOfAny(['/', '\\']) >= 0) return new ModelSource(text);
        string name = text[..equals].Trim(), directory = text[(equals + 1)..];
        if (name.Length == 0 || directory.Length == 0)
            throw new Core.SharpLMException($"--model '{text}': give DIR or NAME=DIR with both the name and the folder.");
        return new ModelSource(directory, name);
    }
}
