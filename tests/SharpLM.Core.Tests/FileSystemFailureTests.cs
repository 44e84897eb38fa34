using System.Diagnostics;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.IO;

namespace SharpLM.Core.Tests;

/// <summary>Full disks and killed writers: errors name the output, and no temporary file outlives its writer.</summary>
public class FileSystemFailureTests
{
    [Fact]
    public void A_full_disk_during_an_atomic_write_names_the_output_and_leaves_nothing()
    {
        using var dir = new TempDirectory();
        string target = dir.File("model.safetensors");
        var error = Assert.Throws<SharpLMException>(() =>
            AtomicFile.Write(target, stream => stream.Write(new byte[4096]), temporary => new FailingDisk(temporary, capacity: 1000)));
        Assert.Equal($"{target}: cannot write the file ({FailingDisk.Message}).", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_full_disk_inside_a_staged_folder_names_the_published_path()
    {
        using var dir = new TempDirectory();
        string model = dir.File("q8");
        string staging = AtomicDirectory.CreateStaging(model);
        var error = Assert.Throws<SharpLMException>(() => AtomicFile.Write(Path.Combine(staging, "model.safetensors"),
            stream => stream.Write(new byte[4096]), temporary => new FailingDisk(temporary, capacity: 10)));
        Assert.Equal($"{Path.Combine(model, "model.safetensors")}: cannot write the file ({FailingDisk.Message}).", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(staging));
    }

    [Fact]
    public void An_input_error_inside_an_atomic_write_keeps_its_own_message()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<FileNotFoundException>(() =>
            AtomicFile.Write(dir.File("out.bin"), _ => File.ReadAllBytes(dir.File("missing-input.bin"))));
        Assert.Contains("missing-input.bin", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_shard_writer_whose_close_fails_again_still_deletes_its_partial_file()
    {
        using var dir = new TempDirectory();
        string shard = dir.File("train.tok");
        var error = Assert.Throws<SharpLMException>(() =>
        {
            using var writer = new TokenShardWriter(shard, 300, temporary => new FailingDisk(temporary, capacity: 50_000, failOnClose: true));
            for (int i = 0; i < 100; i++) writer.AddDocument(Enumerable.Range(0, 1000).Select(t => t % 300).ToArray());
            writer.Complete();
        });
        Assert.Equal($"{shard}: cannot write the file ({FailingDisk.Message}).", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_full_disk_while_completing_a_shard_leaves_no_partial_file()
    {
        using var dir = new TempDirectory();
        string shard = dir.File("val.tok");
        Assert.Throws<SharpLMException>(() =>
        {
            // The tokens fit; the document index appended by Complete does not.
            using var writer = new TokenShardWriter(shard, 300, temporary => new FailingDisk(temporary, capacity: 32 + 2 * 10 * 40 + 8, failOnClose: true));
            for (int i = 0; i < 10; i++) writer.AddDocument(Enumerable.Repeat(7, 40).ToArray());
            writer.Complete();
        });
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Leftovers_of_a_killed_writer_are_swept_by_the_next_writer_of_the_same_output()
    {
        using var dir = new TempDirectory();
        int dead = DeadProcessId();
        string shard = dir.File("train.tok");
        string deadPartial = dir.File($".train.tok.{dead}.{Guid.NewGuid():N}.partial");
        string olderPartial = dir.File($"train.tok.{Guid.NewGuid():N}.partial"); // the name used before process ids were recorded
        string livePartial = dir.File($".train.tok.{Environment.ProcessId}.{Guid.NewGuid():N}.partial");
        string unrelated = dir.File("notes.partial");
        foreach (string file in new[] { deadPartial, olderPartial, livePartial, unrelated }) File.WriteAllText(file, "x");

        using (var writer = new TokenShardWriter(shard, 300))
        {
            writer.AddDocument([1, 2, 3]);
            writer.Complete();
        }
        Assert.False(File.Exists(deadPartial));
        Assert.False(File.Exists(olderPartial));
        Assert.True(File.Exists(livePartial)); // a live writer's work in progress is not touched
        Assert.True(File.Exists(unrelated));
        Assert.True(File.Exists(shard));

        string model = dir.File("model");
        string deadStaging = dir.File($".model.staging.{dead}.{Guid.NewGuid():N}");
        Directory.CreateDirectory(deadStaging);
        string staging = AtomicDirectory.CreateStaging(model);
        Assert.False(Directory.Exists(deadStaging));
        AtomicDirectory.Publish(staging, model);
        Assert.True(Directory.Exists(model));
    }

    [Fact]
    public void Claiming_a_folder_sweeps_every_leftover_below_it()
    {
        using var dir = new TempDirectory();
        int dead = DeadProcessId();
        Directory.CreateDirectory(dir.File("checkpoints"));
        string staged = Path.Combine(dir.Path, "checkpoints", $".step-00000004.staging.{dead}.{Guid.NewGuid():N}");
        Directory.CreateDirectory(staged);
        File.WriteAllText(Path.Combine(staged, "model.safetensors"), "half");
        string temporary = dir.File($".metrics.png.{dead}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, "half");
        File.WriteAllText(dir.File("metrics.jsonl"), "{}\n");

        using (FolderLock.Acquire(dir.Path))
        {
            Assert.False(Directory.Exists(staged));
            Assert.False(File.Exists(temporary));
            Assert.True(File.Exists(dir.File("metrics.jsonl")));
        }
    }

    /// <summary>The id of a process that has exited (and, on a quiet test machine, not been reused).</summary>
    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true"))!;
        process.WaitForExit();
        return process.Id;
    }
}
