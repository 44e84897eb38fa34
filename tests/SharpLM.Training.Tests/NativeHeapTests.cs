using SharpLM.Training.Native;

namespace SharpLM.Training.Tests;

[CollectionDefinition(nameof(NativeHeapTests), DisableParallelization = true)]
public sealed class ResidentMemoryCollection;

/// <summary>Measures the process's resident set, so it runs alone.</summary>
[Collection(nameof(NativeHeapTests))]
public class NativeHeapTests
{
    private const long Block = 4L * 1024 * 1024; // under glibc's largest dynamic threshold (32 MiB), so glibc would move it to the heap

    [Fact]
    public void Freed_tensors_of_a_few_megabytes_leave_the_process_even_while_a_later_one_is_held()
    {
        if (!OperatingSystem.IsLinux()) return; // glibc's setting; elsewhere the call reports false
        TorchRuntime.EnsureLoaded();
        Assert.True(NativeHeap.ReturnLargeBlocksToSystem());
        // With glibc's dynamic threshold, freeing this block raises the threshold to its size...
        TorchSharp.torch.ones(Block / 4).Dispose();
        // ...so these come from the heap, and with the last one held the freed ones below it cannot be trimmed.
        var tensors = Enumerable.Range(0, 16).Select(_ => TorchSharp.torch.ones(Block / 4)).ToList();
        long held = Resident();
        foreach (var tensor in tensors.Take(15)) tensor.Dispose();
        long after = Resident();
        tensors[15].Dispose();
        Assert.True(held - after > 12 * Block, $"freeing 15 blocks of {Block / 1024 / 1024} MiB returned {(held - after) / 1024 / 1024} MiB");
    }

    private static long Resident()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:")) return long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
        throw new InvalidOperationException("/proc/self/status has no VmRSS line.");
    }
}
