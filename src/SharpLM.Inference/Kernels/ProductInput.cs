namespace SharpLM.Inference.Kernels;

/// <summary>
/// The right-hand side of a product, <c>Count</c> vectors of <c>Columns</c> values, in the forms the kernels
/// read: float32, and (for quantized weights) int8 groups of 32 with one scale and one code sum per group.
/// </summary>
internal readonly unsafe struct ProductInput(float* values, sbyte* codes, float* scales, int* sums, int count, int columns)
{
    public readonly float* Values = values;
    public readonly sbyte* Codes = codes;
    public readonly float* Scales = scales;
    public readonly int* Sums = sums;
    public readonly int Count = count;
    public readonly int Columns = columns;

    public float* Vector(int index) => Values + (long)index * Columns;
    public sbyte* VectorCodes(int index) => Codes + (long)index * Columns;
    public float* VectorScales(int index) => Scales + (long)index * (Columns / WeightMatrix.GroupSize);
    public int* VectorSums(int index) => Sums + (long)index * (Columns / WeightMatrix.GroupSize);
}
