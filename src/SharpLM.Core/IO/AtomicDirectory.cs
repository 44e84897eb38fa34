namespace SharpLM.Core.IO;

/// <summary>
/// Publishes a directory of files (a model checkpoint) all at once: the caller fills a staging directory,
/// then <see cref="Publish"/> swaps it into place. An existing directory is moved aside first and deleted
/// only after the new one is in place, so an interruption never leaves a mix of old and new files.
/// </summary>
public static class AtomicDirectory
{
    public static string CreateStaging(string finalPath)
    {
        string full = Path.GetFullPath(finalPath);
        string staging = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.staging.{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        return staging;
    }

    public static void Publish(string stagingPath, string finalPath)
    {
        string full = Path.GetFullPath(finalPath);
        string? previous = null;
        if (Directory.Exists(full))
        {
            previous = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.old.{Guid.NewGuid():N}");
            Directory.Move(full, previous);
        }
        Directory.Move(stagingPath, full);
        if (previous is not null) Directory.Delete(previous, recursive: true);
    }

    /// <summary>Stages, fills and publishes <paramref name="finalPath"/>; on any failure the staging folder goes and an existing folder stays.</summary>
    public static void Write(string finalPath, Action<string> fill)
    {
        string staging = CreateStaging(finalPath);
        try
        {
            fill(staging);
            Publish(staging, finalPath);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }
}
