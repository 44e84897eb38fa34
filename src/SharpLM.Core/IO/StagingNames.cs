using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SharpLM.Core.IO;

/// <summary>
/// The names of the temporary files and folders that atomic writes stage their output in, beside the final
/// path. Each carries the writing process's id, so a later run can tell the leftovers of a killed process (whose
/// id no longer runs) from the work in progress of a live one, and delete them: a killed run must not keep a
/// disk full.
/// </summary>
public static partial class StagingNames
{
    /// <summary>A file staged by <see cref="AtomicFile"/>.</summary>
    public static string File(string finalPath) => Beside(finalPath, $"{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>A shard being streamed by a token shard writer.</summary>
    public static string Partial(string finalPath) => Beside(finalPath, $"{Environment.ProcessId}.{Guid.NewGuid():N}.partial");

    /// <summary>A folder staged by <see cref="AtomicDirectory"/>.</summary>
    public static string Directory(string finalPath) => Beside(finalPath, $"staging.{Environment.ProcessId}.{Guid.NewGuid():N}");

    /// <summary>Where <see cref="AtomicDirectory"/> moves the previous folder while the new one is swapped in.</summary>
    public static string Aside(string finalPath) => Beside(finalPath, $"old.{Environment.ProcessId}.{Guid.NewGuid():N}");

    private static string Beside(string finalPath, string suffix)
    {
        string full = Path.GetFullPath(finalPath);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{suffix}");
    }

    /// <summary>
    /// The path a file inside a staging folder will have once the folder is published (the path itself otherwise),
    /// so messages name the output the user asked for rather than a temporary name.
    /// </summary>
    public static string Published(string path)
    {
        string[] parts = path.Split(Path.DirectorySeparatorChar);
        for (int i = 0; i < parts.Length; i++)
            if (StagingFolderPattern().Match(parts[i]) is { Success: true } match) parts[i] = match.Groups["name"].Value;
        return string.Join(Path.DirectorySeparatorChar, parts);
    }

    /// <summary>Deletes the staging leftovers of <paramref name="finalPath"/> (its own earlier, killed attempts).</summary>
    public static void SweepSiblings(string finalPath)
    {
        string full = Path.GetFullPath(finalPath);
        string directory = Path.GetDirectoryName(full)!;
        if (!System.IO.Directory.Exists(directory)) return;
        string prefix = $"{Path.GetFileName(full)}.";
        foreach (string entry in System.IO.Directory.EnumerateFileSystemEntries(directory))
        {
            string name = Path.GetFileName(entry);
            bool mine = name.StartsWith('.') ? name.AsSpan(1).StartsWith(prefix, StringComparison.Ordinal) : name.StartsWith(prefix, StringComparison.Ordinal);
            if (mine && IsDeadLeftover(name)) Delete(entry);
        }
    }

    /// <summary>
    /// Deletes every staging leftover of a killed process in <paramref name="root"/> and the folders below it, down
    /// to the depth of the deepest output folders SharpLM writes (run/data/shards); a folder given by mistake (a home
    /// directory) is not walked whole.
    /// </summary>
    public static void SweepLeftovers(string root)
    {
        const int depth = 3;
        var pending = new Stack<(string Directory, int Depth)>();
        pending.Push((root, 0));
        while (pending.Count > 0)
        {
            var (directory, level) = pending.Pop();
            foreach (string entry in System.IO.Directory.EnumerateFileSystemEntries(directory))
            {
                if (IsDeadLeftover(Path.GetFileName(entry))) Delete(entry);
                else if (level < depth && System.IO.Directory.Exists(entry) && !new FileInfo(entry).Attributes.HasFlag(FileAttributes.ReparsePoint))
                    pending.Push((entry, level + 1));
            }
        }
    }

    /// <summary>True for a staging name whose writer no longer runs (names from before process ids were recorded count as dead).</summary>
    public static bool IsDeadLeftover(string name)
    {
        var match = LeftoverPattern().Match(name);
        if (!match.Success) return false;
        return !match.Groups["pid"].Success || !IsRunning(int.Parse(match.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static void Delete(string entry)
    {
        try
        {
            if (System.IO.Directory.Exists(entry)) System.IO.Directory.Delete(entry, recursive: true);
            else System.IO.File.Delete(entry);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover that cannot be deleted now is tried again by the next run.
        }
    }

    // .NAME.PID.GUID.tmp | .NAME.PID.GUID.partial | .NAME.staging.[PID.]GUID | .NAME.old.[PID.]GUID, and the older NAME.GUID.partial.
    [GeneratedRegex(@"^(\..+\.(?<pid>\d+)\.[0-9a-f]{32}\.(tmp|partial)|\..+\.(staging|old)\.((?<pid>\d+)\.)?[0-9a-f]{32}|.+\.[0-9a-f]{32}\.partial)$")]
    private static partial Regex LeftoverPattern();

    [GeneratedRegex(@"^\.(?<name>.+)\.staging\.(\d+\.)?[0-9a-f]{32}$")]
    private static partial Regex StagingFolderPattern();
}
