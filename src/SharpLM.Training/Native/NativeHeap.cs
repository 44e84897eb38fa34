using System.Runtime.InteropServices;

namespace SharpLM.Training.Native;

/// <summary>
/// The C heap libtorch allocates tensors from. glibc raises its mmap threshold each time a large block is freed, so
/// later blocks of that size come from the heap instead and, once freed, stay in the process as fragments. A
/// training step that decodes a quantized weight for every matmul (QLoRA) frees and reallocates such blocks hundreds
/// of times a step, and its resident memory grew by 1.5–2× for nothing (measured in docs/benchmarks.md). A fixed
/// threshold sends every block of 128 KiB or more to mmap, so freeing it returns it to the system. It is not the
/// default for every process: each such allocation then maps and zeroes fresh pages, which made plain pretraining
/// 1.6× slower (docs/benchmarks.md); QLoRA, whose base is built once and whose steps are dominated by decoding, sets it.
/// </summary>
public static class NativeHeap
{
    private const int MmapThresholdParameter = -3; // glibc's M_MMAP_THRESHOLD
    private const int ThresholdBytes = 128 * 1024; // glibc's own starting value, now kept fixed

    /// <summary>Fixes glibc's mmap threshold for the rest of the process; false where the C library has no mallopt (not glibc).</summary>
    public static bool ReturnLargeBlocksToSystem()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(MmapThresholdParameter, ThresholdBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc.so.6")]
    private static extern int mallopt(int parameter, int value);
}
