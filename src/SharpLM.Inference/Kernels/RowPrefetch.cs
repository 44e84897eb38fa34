using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// Software prefetch for the decoding kernels that read four rows at a time. Four adjacent rows of a narrow matrix
/// are four short interleaved streams (a 288-wide float32 row is 18 cache lines) that end before the hardware
/// prefetcher has learned them, so a one-vector product over them ran at a third of the memory's read bandwidth
/// (the 15M shape's 32000 × 288 output projection: 9–10 GB/s against 30 GB/s for a plain sequential read, one
/// thread). The kernels therefore ask for the bytes <see cref="Distance"/> further on in memory order, which is
/// where they will read a few row blocks later: 24–34 GB/s on the same product. Into L2, not L1: the lines
/// arrive while the current block is still being read and must not push the vector out of L1.
/// </summary>
internal static unsafe class RowPrefetch
{
    /// <summary>
    /// Bytes ahead of the block being read: a few hundred nanoseconds of reading at full bandwidth, more than the
    /// memory's latency. 16 KB did best on the 15M shape's one-vector products with two threads (4–32 KB tried).
    /// </summary>
    public const int Distance = 16 * 1024;

    /// <summary>The cache line <see cref="Distance"/> bytes after <paramref name="address"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Line(byte* address)
    {
        if (Sse.IsSupported) Sse.Prefetch1(address + Distance);
    }

    /// <summary>The two cache lines <see cref="Distance"/> bytes after <paramref name="address"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TwoLines(byte* address)
    {
        if (!Sse.IsSupported) return;
        Sse.Prefetch1(address + Distance);
        Sse.Prefetch1(address + Distance + 64);
    }
}
