namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// The LoRA update on a row-major weight W [out, in]: W ← W + sign · scaling · B·A with A [r, in] and B [out, r],
/// accumulated in double per element, so merging and then unmerging returns W to within float rounding.
/// </summary>
public static class LoraMerge
{
    public static void Apply(Span<float> weight, int rows, int columns, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int rank, double scaling, double sign = 1)
    {
        if (weight.Length != (long)rows * columns || a.Length != (long)rank * columns || b.Length != (long)rows * rank)
            throw new ArgumentException($"LoRA shapes do not fit: W {weight.Length} = {rows}×{columns}, A {a.Length} = {rank}×{columns}, B {b.Length} = {rows}×{rank}.");
        double factor = sign * scaling;
        var row = new double[columns];
        for (int o = 0; o < rows; o++)
        {
            Array.Clear(row);
            for (int k = 0; k < rank; k++)
            {
                double bk = b[o * rank + k];
                if (bk == 0) continue;
                var aRow = a.Slice(k * columns, columns);
                for (int i = 0; i < columns; i++) row[i] += bk * aRow[i];
            }
            var w = weight.Slice(o * columns, columns);
            for (int i = 0; i < columns; i++) w[i] = (float)(w[i] + factor * row[i]);
        }
    }
}
