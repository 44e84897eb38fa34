using SharpLM.Core.IO;

namespace SharpLM.Core.Tests;

public class FolderLockTests
{
    [Fact]
    public void A_second_writer_is_refused_naming_the_holder_until_the_first_lets_go()
    {
        using var dir = new TempDirectory();
        using (FolderLock.Acquire(dir.Path))
        {
            var error = Assert.Throws<SharpLMException>(() => FolderLock.Acquire(dir.Path));
            Assert.StartsWith($"{dir.Path}: another sharplm process is writing to this folder (pid {Environment.ProcessId} on {Environment.MachineName}, started ", error.Message);
            Assert.EndsWith(" UTC); wait for it to finish or use another folder.", error.Message);
        }
        using (FolderLock.Acquire(dir.Path)) { } // released on dispose: the folder can be claimed again
    }

    [Fact]
    public void A_folder_that_cannot_be_created_is_one_line_naming_it()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("run"), "a file, not a folder");
        string folder = Path.Combine(dir.File("run"), "inner");
        var error = Assert.Throws<SharpLMException>(() => FolderLock.Acquire(folder));
        Assert.StartsWith($"{folder}: cannot write to this folder (", error.Message);
    }

    [Fact]
    public void The_lock_of_a_killed_process_does_not_outlive_it()
    {
        using var dir = new TempDirectory();
        // flock(1) holds an exclusive lock on the lock file while its child runs (-o: the child does not share it);
        // killing it must free the folder.
        var holder = System.Diagnostics.Process.Start("flock", ["-x", "-o", Path.Combine(dir.Path, FolderLock.LockFileName), "sleep", "60"])!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!IsLocked(dir.Path) && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.True(IsLocked(dir.Path));
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
        using (FolderLock.Acquire(dir.Path)) { }
    }

    private static bool IsLocked(string folder)
    {
        try
        {
            using (FolderLock.Acquire(folder)) return false;
        }
        catch (SharpLMException)
        {
            return true;
        }
    }
}
