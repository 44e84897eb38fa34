using System.Globalization;

namespace SharpLM.Core.IO;

/// <summary>
/// An exclusive claim on an output folder (a run folder, a data pipeline folder), so two processes never write
/// the same files. The claim is an operating-system lock on <c>.sharplm.lock</c> held open for the claim's life:
/// the system drops it when the process ends, however it ends, so a killed run never leaves a stale lock. Who
/// holds it (process id, host, start time) is written beside it for the refusal message, since a locked file
/// cannot be read by others. Taking the claim also sweeps the staging leftovers of killed runs.
/// </summary>
public sealed class FolderLock : IDisposable
{
    public const string LockFileName = ".sharplm.lock";
    public const string HolderFileName = ".sharplm.lock.holder";

    private readonly FileStream _stream;

    public string Folder { get; }

    private FolderLock(string folder, FileStream stream)
    {
        Folder = folder;
        _stream = stream;
    }

    /// <summary>Claims <paramref name="folder"/> (created if missing) or throws naming the process that holds it.</summary>
    public static FolderLock Acquire(string folder)
    {
        string root = Path.GetFullPath(folder);
        string lockPath = Path.Combine(root, LockFileName);
        FileStream stream;
        try
        {
            Directory.CreateDirectory(root);
            // FileShare.None takes an exclusive flock on Unix and a share-mode lock on Windows; both end with the process.
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException) && File.Exists(lockPath) && !Directory.Exists(lockPath))
        {
            throw new SharpLMException($"{root}: another sharplm process is writing to this folder ({Holder(root)}); " +
                                       "wait for it to finish or use another folder.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpLMException($"{root}: cannot write to this folder ({e.Message.TrimEnd('.', ' ')}).", e);
        }
        var claim = new FolderLock(root, stream);
        try
        {
            string holder = string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} on {Environment.MachineName}, started {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n");
            AtomicFile.WriteAllText(Path.Combine(root, HolderFileName), holder);
            StagingNames.SweepLeftovers(root);
        }
        catch
        {
            claim.Dispose();
            throw;
        }
        return claim;
    }

    private static string Holder(string root)
    {
        try
        {
            string text = File.ReadAllText(Path.Combine(root, HolderFileName)).Trim();
            return text.Length > 0 ? text : "holder unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "holder unknown";
        }
    }

    public void Dispose() => _stream.Dispose();
}
