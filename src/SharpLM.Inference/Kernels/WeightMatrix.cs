namespace SharpLM.Inference.Kernels;

/// <summary>
/// A row-major weight matrix [Rows, Columns] in one of the <see cref="WeightFormat"/>s, with the kernel that
/// multiplies it by one or several vectors. Several vectors at once (a prompt, or one token of each sequence of
/// a batch) read each weight row from memory once for all of them: decoding is bound by that read.
/// </summary>
public abstract class WeightMatrix
{
    /// <summary>Values per quantization group (Q8_0 and Q4), as in ggml.</summary>
    public const int GroupSize = Core.Models.Folder.StoredMatrixLayout.GroupSize;

    public int Rows { get; }
    public int Columns { get; }

    protected WeightMatrix(int rows, int columns)
    {
        if (rows <= 0 || columns <= 0) throw new ArgumentException($"A weight matrix needs positive dimensions (got {rows}×{columns}).");
        Rows = rows;
        Columns = columns;
    }

    public abstract WeightFormat Format { get; }

    /// <summary>Bytes one full read of the matrix touches (values plus scales).</summary>
    public abstract long ByteCount { get; }

    /// <summary>Whether the kernel reads the right-hand side as int8 groups (then Columns is a multiple of 32).</summary>
    public bool TakesQuantizedInput => Format is WeightFormat.Q8_0 or WeightFormat.Q4;

    /// <summary>Writes row <paramref name="row"/> as float32 (an embedding lookup; the reference the kernels are tested against).</summary>
    public abstract void DequantizeRow(int row, Span<float> destination);

    /// <summary>
    /// output[t·outputStride + r] = row r · vector t, for rows [start, end) and every vector of the input. Rows
    /// are taken in the outer loop so that each is read from memory once while it serves every vector.
    /// </summary>
    internal abstract unsafe void MultiplyRows(in ProductInput input, float* output, int outputStride, int start, int end);

    /// <summary>Stores float32 values [rows, columns] in <paramref name="format"/> (quantizing group-wise for Q8_0 and Q4).</summary>
    public static WeightMatrix Create(float[] values, int rows, int columns, WeightFormat format) => format switch
    {
        WeightFormat.F32 => new F32Matrix(values, rows, columns),
        WeightFormat.BF16 => Bf16Matrix.Quantize(values, rows, columns),
        WeightFormat.Q8_0 => Q8Matrix.Quantize(values, rows, columns),
        WeightFormat.Q4 => Q4Matrix.Quantize(values, rows, columns),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>Whether <paramref name="format"/> can store a matrix with this many columns (quantized groups must not straddle rows).</summary>
    public static bool Supports(WeightFormat format, int columns) =>
        format is WeightFormat.F32 or WeightFormat.BF16 || columns % GroupSize == 0;

    /// <summary>This matrix converted to another format (through float32).</summary>
    public WeightMatrix ConvertTo(WeightFormat format)
    {
        if (format == Format) return this;
        var values = new float[(long)Rows * Columns];
        for (int r = 0; r < Rows; r++) DequantizeRow(r, values.AsSpan(r * Columns, Columns));
        return Create(values, Rows, Columns, format);
    }
}
