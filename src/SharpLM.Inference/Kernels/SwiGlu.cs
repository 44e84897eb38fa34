using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// SwiGLU's elementwise step, gate ← silu(gate) · up with silu(g) = g · sigmoid(g), in one pass: as three vector
/// primitives (sigmoid, multiply, multiply) it read and wrote the block's gate three times, a tenth of a small
/// model's feed-forward time. Vector lanes and the tail do the same arithmetic (<see cref="FastExp"/>), so a
/// value's bits do not depend on where a span starts.
/// </summary>
internal static class SwiGlu
{
    public static void Apply(Span<float> gate, ReadOnlySpan<float> up)
    {
        if (up.Length < gate.Length) throw new ArgumentException("up is shorter than gate.", nameof(up));
        ref float g = ref MemoryMarshal.GetReference(gate);
        ref float u = ref MemoryMarshal.GetReference(up);
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; k + Vector256<float>.Count <= gate.Length; k += Vector256<float>.Count)
            {
                var x = Vector256.LoadUnsafe(ref g, (nuint)k);
                var sigmoid = one / (one + FastExp.Exp(-x));
                (x * sigmoid * Vector256.LoadUnsafe(ref u, (nuint)k)).StoreUnsafe(ref g, (nuint)k);
            }
        }
        for (; k < gate.Length; k++)
        {
            float x = gate[k];
            gate[k] = x * (1f / (1f + FastExp.Exp(-x))) * up[k];
        }
    }
}
