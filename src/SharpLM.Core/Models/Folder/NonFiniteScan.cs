using System.Numerics;
using System.Runtime.InteropServices;
using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.Core.Models.Folder;

/// <summary>
/// Finds NaN or infinity in a stored float tensor without converting it: a value is non-finite exactly when all its
/// exponent bits are set, so one vectorised mask-and-compare over the raw bits checks a model at memory speed.
/// </summary>
public static class NonFiniteScan
{
    /// <summary>The index of the first non-finite element, or -1; tensors of other dtypes have none.</summary>
    public static long FirstIndex(ReadOnlySpan<byte> bytes, SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => First(MemoryMarshal.Cast<byte, uint>(bytes), 0x7F80_0000u),
        SafetensorsDType.F16 => First(MemoryMarshal.Cast<byte, ushort>(bytes), (ushort)0x7C00),
        SafetensorsDType.BF16 => First(MemoryMarshal.Cast<byte, ushort>(bytes), (ushort)0x7F80),
        SafetensorsDType.F64 => First(MemoryMarshal.Cast<byte, ulong>(bytes), 0x7FF0_0000_0000_0000ul),
        _ => -1,
    };

    private static long First<T>(ReadOnlySpan<T> bits, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        var mask = new Vector<T>(exponent);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<T, Vector<T>>(bits);
            int v = 0;
            while (v < vectors.Length && !Vector.EqualsAny(vectors[v] & mask, mask)) v++;
            i = v * Vector<T>.Count; // the scalar loop finds the element inside a flagged vector, or checks the tail
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & exponent) == exponent) return i;
        return -1;
    }
}
