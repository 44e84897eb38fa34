namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// Reorders query and key projection rows between the two rotary-embedding conventions. Hugging Face's Llama
/// rotates the pairs (x[j], x[j + d/2]) of each head ("rotate half"); llama.cpp's llama architecture
/// (LLAMA_ROPE_TYPE_NORM) rotates neighbouring pairs (x[2j], x[2j + 1]). Both use frequency θ^(-2j/d) for pair j.
/// Moving row j of a head to 2j and row j + d/2 to 2j + 1 makes the projection produce each pair where the
/// other convention expects it, so the rotated queries and keys are the same numbers in a different order per
/// head and every attention score is unchanged. This is the permutation llama.cpp's converter applies to HF
/// Llama checkpoints.
/// </summary>
public static class RopePermutation
{
    /// <summary>
    /// Returns the rows of <paramref name="weight"/> (row-major, <paramref name="columns"/> per row, heads of
    /// equal size stacked) reordered from rotate-half to interleaved order within every head.
    /// </summary>
    public static float[] RotateHalfToInterleaved(ReadOnlySpan<float> weight, int heads, int columns)
    {
        var (rows, headDim) = Validate(weight.Length, heads, columns);
        var result = new float[weight.Length];
        int half = headDim / 2;
        for (int row = 0; row < rows; row++)
        {
            int head = row / headDim, within = row % headDim;
            // Row j of the first half goes to 2j, row j of the second half to 2j + 1.
            int target = head * headDim + (within < half ? 2 * within : 2 * (within - half) + 1);
            weight.Slice(row * columns, columns).CopyTo(result.AsSpan(target * columns, columns));
        }
        return result;
    }

    /// <summary>The inverse of <see cref="RotateHalfToInterleaved"/>.</summary>
    public static float[] InterleavedToRotateHalf(ReadOnlySpan<float> weight, int heads, int columns)
    {
        var (rows, headDim) = Validate(weight.Length, heads, columns);
        var result = new float[weight.Length];
        int half = headDim / 2;
        for (int row = 0; row < rows; row++)
        {
            int head = row / headDim, within = row % headDim;
            int target = head * headDim + (within % 2 == 0 ? within / 2 : half + within / 2);
            weight.Slice(row * columns, columns).CopyTo(result.AsSpan(target * columns, columns));
        }
        return result;
    }

    private static (int Rows, int HeadDim) Validate(int length, int heads, int columns)
    {
        if (columns <= 0 || length % columns != 0) throw new ArgumentException($"{length} values do not form rows of {columns}.");
        int rows = length / columns;
        if (heads <= 0 || rows % heads != 0 || rows / heads % 2 != 0)
            throw new ArgumentException($"{rows} rows do not split into {heads} heads of an even size.");
        return (rows, rows / heads);
    }
}
