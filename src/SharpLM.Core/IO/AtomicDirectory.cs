namespace SharpLM.Core.IO;

/// <summary>
/// Publishes a directory of files (a model checkpoint) all at once: the caller fills a staging directory,
/// then <see cref="Publish"/> swaps it into place. An existing directory is moved aside first and deleted
/// only after the new one is in place, so an interruption never leaves a mix of old and new files. Staging
/// folders left by a killed earlier attempt at the same path are deleted when a new one is created.
/// </summary>
public static class AtomicDirectory
{
    public static string CreateStaging(string finalPath)
    {
        string full = Path.GetFullPath(finalPath);
        string staging = StagingNames.Directory(full);
        OutputStream.Guard(full, () =>
        {
            StagingNames.SweepSiblings(full);
            Directory.CreateDirectory(staging);
        });
        return staging;
    }

    public static void Publish(string stagingPath, string finalPath)
    {
        string full = Path.GetFullPath(finalPath);
        string? previous = null;
        OutputStream.Guard(full, () =>
        {
            if (Directory.Exists(full))
            {
                previous = StagingNames.Aside(full);
                Directory.Move(full, previous);
            }
            try
            {
                Directory.Move(stagingPath, full);
            }
            catch when (previous is not null)
            {
                Directory.Move(previous, full); // put the old folder back rather than leave none
                previous = null;
                throw;
            }
        });
        if (previous is not null)
        {
            try { Directory.Delete(previous, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // the new folder is in place; the next run sweeps the old one
        }
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
