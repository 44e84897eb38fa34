namespace SharpLM.Inference.Kernels;

/// <summary>
/// The right-hand side of a product, <c>Count</c> vectors of <c>Columns</c> values, in the forms the kernels
/// read: float32, and (for quantized weights) int8 groups of 32 with one scale and one code sum per group. The
/// scales are also kept group-major (<see cref="GroupScales"/>: group g's scales of every vector side by side, the
/// vector count padded to <see cref="ScaleStride"/>), so a block kernel loads several vectors' scales of a group with one load.
/// </summary>
internal readonly unsafe struct ProductInput(float* values, sbyte* codes, float* scales, int* sums, float* groupScales, float* groupSums, int count,
    int columns, bool simd = true, bool wide = false)
{
    public readonly float* Values = values;
    public readonly sbyte* Codes = codes;
    public readonly float* Scales = scales;
    public readonly int* Sums = sums;
    public readonly float* GroupScales = groupScales;
    /// <summary>The code sums laid out as <see cref="GroupScales"/>, as floats (what the Q4 correction multiplies).</summary>
    public readonly float* GroupSums = groupSums;
    public readonly int Count = count;
    public readonly int Columns = columns;
    /// <summary>Whether the kernels may use their SIMD paths (false: the portable loops, which tests check on any processor).</summary>
    public readonly bool Simd = simd;
    /// <summary>Whether the float32 kernels take 512-bit steps (see <see cref="F32Matrix"/>); only with <see cref="Simd"/>.</summary>
    public readonly bool Wide = simd && wide;

    /// <summary>Vectors a block kernel takes at once; <see cref="GroupScales"/> is filled only for products of at least this many.</summary>
    public const int BlockVectors = 4;

    /// <summary>Floats between one group's scales and the next's in <see cref="GroupScales"/>: the vector count rounded up to <see cref="BlockVectors"/>.</summary>
    public int ScaleStride => ScaleStrideFor(Count);

    public static int ScaleStrideFor(int count) => (count + BlockVectors - 1) / BlockVectors * BlockVectors;

    public float* Vector(int index) => Values + (long)index * Columns;
    public sbyte* VectorCodes(int index) => Codes + (long)index * Columns;
    public float* VectorScales(int index) => Scales + (long)index * (Columns / WeightMatrix.GroupSize);
    public int* VectorSums(int index) => Sums + (long)index * (Columns / WeightMatrix.GroupSize);

    /// <summary>The scales of group <paramref name="group"/> of vectors <paramref name="index"/>, <paramref name="index"/> + 1, ...</summary>
    public float* ScalesOfGroup(int group, int index) => GroupScales + (long)group * ScaleStride + index;

    /// <summary>The code sums of group <paramref name="group"/> of vectors <paramref name="index"/>, <paramref name="index"/> + 1, ...</summary>
    public float* SumsOfGroup(int group, int index) => GroupSums + (long)group * ScaleStride + index;
}
