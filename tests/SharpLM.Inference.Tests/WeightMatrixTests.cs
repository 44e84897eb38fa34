using SharpLM.Core.Quantization;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Tests;

public class WeightMatrixTests
{
    private static float[] RandomValues(int count, int seed, double scale = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    public static TheoryData<WeightFormat> Formats => [WeightFormat.F32, WeightFormat.BF16, WeightFormat.Q8_0, WeightFormat.Q4];

    /// <summary>Per-value error stays within what the format promises: bf16 half an ulp of 8 bits, Q8_0 half a step of max/127, Q4 one step of max/8.</summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public void Quantization_error_is_within_the_formats_bound(WeightFormat format)
    {
        int rows = 5, columns = 96;
        var values = RandomValues(rows * columns, 3);
        values[7] = 0; // a zero group member, and one all-zero group below
        for (int i = 0; i < 32; i++) values[2 * columns + 32 + i] = 0;
        var matrix = WeightMatrix.Create(values, rows, columns, format);
        var row = new float[columns];
        for (int r = 0; r < rows; r++)
        {
            matrix.DequantizeRow(r, row);
            for (int g = 0; g < columns / 32; g++)
            {
                float max = 0;
                for (int i = 0; i < 32; i++) max = Math.Max(max, Math.Abs(values[r * columns + g * 32 + i]));
                for (int i = 0; i < 32; i++)
                {
                    float expected = values[r * columns + g * 32 + i], actual = row[g * 32 + i];
                    float bound = format switch
                    {
                        WeightFormat.F32 => 0,
                        WeightFormat.BF16 => Math.Abs(expected) / 256f,
                        WeightFormat.Q8_0 => max / 127f * 0.5f * 1.01f,
                        _ => max / 8f * 1.01f,
                    };
                    Assert.True(Math.Abs(actual - expected) <= bound, $"{format} row {r} column {g * 32 + i}: {actual} for {expected} (bound {bound})");
                }
            }
        }
    }

    [Fact]
    public void Q8_0_values_are_exactly_ggmls_blocks_and_repack_from_them()
    {
        int rows = 3, columns = 64;
        var values = RandomValues(rows * columns, 5, 3);
        var blocks = new byte[Q8_0.ByteCount(values.Length)];
        Q8_0.Quantize(values, blocks);
        var reference = new float[values.Length];
        Q8_0.Dequantize(blocks, reference);
        var direct = WeightMatrix.Create(values, rows, columns, WeightFormat.Q8_0);
        var repacked = Q8Matrix.FromGgmlBlocks(blocks, rows, columns);
        var row = new float[columns];
        for (int r = 0; r < rows; r++)
        {
            direct.DequantizeRow(r, row);
            Assert.Equal(reference.AsSpan(r * columns, columns).ToArray(), row);
            repacked.DequantizeRow(r, row);
            Assert.Equal(reference.AsSpan(r * columns, columns).ToArray(), row);
        }
    }

    /// <summary>
    /// Each kernel against a naive reference: dequantize the row, (for the int8 kernels) round the input to the
    /// same int8 groups, and sum in double precision. Several vectors at once, threads, awkward row counts.
    /// </summary>
    [Theory]
    [InlineData(WeightFormat.F32, 37, 40, 1, 1)]
    [InlineData(WeightFormat.F32, 301, 288, 3, 2)]
    [InlineData(WeightFormat.BF16, 37, 44, 1, 1)]
    [InlineData(WeightFormat.BF16, 301, 288, 3, 2)]
    [InlineData(WeightFormat.Q8_0, 7, 32, 1, 1)]
    [InlineData(WeightFormat.Q8_0, 301, 288, 3, 2)]
    [InlineData(WeightFormat.Q8_0, 1030, 768, 2, 2)]
    [InlineData(WeightFormat.Q8_0, 65, 96, 9, 2)]
    [InlineData(WeightFormat.Q4, 7, 32, 1, 1)]
    [InlineData(WeightFormat.Q4, 301, 288, 3, 2)]
    [InlineData(WeightFormat.Q4, 1030, 768, 2, 2)]
    [InlineData(WeightFormat.Q4, 65, 96, 9, 2)]
    // Prompt blocks: the register-blocked kernels (four rows × three vectors for float32, one row × four vectors for
    // the int8 formats) with row, vector and column tails on one and two threads.
    [InlineData(WeightFormat.F32, 43, 291, 13, 1)]
    [InlineData(WeightFormat.F32, 301, 288, 14, 2)]
    [InlineData(WeightFormat.F32, 6, 5, 7, 1)]
    [InlineData(WeightFormat.Q8_0, 43, 160, 13, 1)]
    [InlineData(WeightFormat.Q8_0, 301, 288, 14, 2)]
    [InlineData(WeightFormat.Q4, 43, 160, 13, 2)]
    // The Q8_0 and Q4 prompt kernels (two rows × four vectors): an odd row left over, vector tails, one row, a 2048-wide row.
    [InlineData(WeightFormat.Q8_0, 7, 64, 4, 1)]
    [InlineData(WeightFormat.Q8_0, 1, 96, 6, 1)]
    [InlineData(WeightFormat.Q8_0, 5, 96, 11, 1)]
    [InlineData(WeightFormat.Q8_0, 2, 32, 5, 1)]
    [InlineData(WeightFormat.Q8_0, 9, 2048, 64, 2)]
    [InlineData(WeightFormat.Q4, 7, 64, 4, 1)]
    [InlineData(WeightFormat.Q4, 1, 96, 6, 1)]
    [InlineData(WeightFormat.Q4, 5, 96, 11, 1)]
    [InlineData(WeightFormat.Q4, 2, 32, 5, 1)]
    [InlineData(WeightFormat.Q4, 9, 2048, 64, 2)]
    public void Kernel_equals_dequantize_then_dot(WeightFormat format, int rows, int columns, int vectors, int threads)
    {
        CheckKernel(format, rows, columns, vectors, new MatrixProducts(threads));
    }

    /// <summary>The portable loops every kernel falls back to without AVX2/FMA, run here on purpose.</summary>
    [Theory]
    [InlineData(WeightFormat.F32, 43, 291, 13)]
    [InlineData(WeightFormat.F32, 6, 5, 1)]
    [InlineData(WeightFormat.BF16, 37, 44, 5)]
    [InlineData(WeightFormat.Q8_0, 7, 64, 9)]
    [InlineData(WeightFormat.Q8_0, 5, 96, 1)]
    [InlineData(WeightFormat.Q4, 43, 160, 13)]
    [InlineData(WeightFormat.Q4, 1, 32, 1)]
    public void Portable_kernel_equals_dequantize_then_dot(WeightFormat format, int rows, int columns, int vectors)
    {
        CheckKernel(format, rows, columns, vectors, new MatrixProducts(1) { PortableKernels = true });
    }

    /// <summary>The float32 kernels' 256-bit steps, which an AVX-512 processor would otherwise skip for its 512-bit ones.</summary>
    [Theory]
    [InlineData(43, 291, 13, 1)]
    [InlineData(301, 288, 14, 2)]
    [InlineData(37, 40, 1, 1)]
    public void Narrow_float32_kernel_equals_dequantize_then_dot(int rows, int columns, int vectors, int threads)
    {
        CheckKernel(WeightFormat.F32, rows, columns, vectors, new MatrixProducts(threads) { NarrowKernels = true });
    }

    /// <summary>
    /// A vector's float32 product has the same bits inside a prompt block (the four × three kernel) as alone (the
    /// decoding kernel), on both paths: a prompt's logits must equal the same tokens decoded one by one. 283
    /// columns take sixteen-column steps, one eight-column step and a three-column tail.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float32_product_has_the_same_bits_in_a_block_as_alone(bool narrow)
    {
        int rows = 43, columns = 283, vectors = 7;
        var matrix = WeightMatrix.Create(RandomValues(rows * columns, 21), rows, columns, WeightFormat.F32);
        var input = RandomValues(vectors * columns, 22);
        var products = new MatrixProducts(1) { NarrowKernels = narrow };
        var block = new float[vectors * rows];
        products.Multiply(matrix, input, block, vectors);
        var alone = new float[rows];
        for (int t = 0; t < vectors; t++)
        {
            products.Multiply(matrix, input.AsSpan(t * columns, columns), alone);
            Assert.Equal(block.AsSpan(t * rows, rows).ToArray(), alone);
        }
    }

    private static void CheckKernel(WeightFormat format, int rows, int columns, int vectors, MatrixProducts products)
    {
        var matrix = WeightMatrix.Create(RandomValues(rows * columns, rows + columns), rows, columns, format);
        var input = RandomValues(vectors * columns, 17, 2);
        var output = new float[vectors * rows];
        products.Multiply(matrix, input, output, vectors);

        var row = new float[columns];
        var effectiveInput = matrix.TakesQuantizedInput ? RoundToInt8Groups(input) : input;
        for (int r = 0; r < rows; r++)
        {
            matrix.DequantizeRow(r, row);
            for (int t = 0; t < vectors; t++)
            {
                double expected = 0, magnitude = 0;
                for (int c = 0; c < columns; c++)
                {
                    expected += (double)row[c] * effectiveInput[t * columns + c];
                    magnitude += Math.Abs((double)row[c] * effectiveInput[t * columns + c]);
                }
                Assert.True(Math.Abs(output[t * rows + r] - expected) <= 1e-5 * magnitude + 1e-6,
                    $"{format} row {r} vector {t}: kernel {output[t * rows + r]}, reference {expected}");
            }
        }
    }

    /// <summary>What the int8 kernels see of the input: per group of 32, scale max/127 and codes round(x·127/max), written independently of the kernel code.</summary>
    private static float[] RoundToInt8Groups(float[] input)
    {
        var result = new float[input.Length];
        for (int g = 0; g < input.Length / 32; g++)
        {
            float max = 0;
            for (int i = 0; i < 32; i++) max = Math.Max(max, Math.Abs(input[g * 32 + i]));
            for (int i = 0; i < 32; i++)
                result[g * 32 + i] = max == 0 ? 0 : MathF.Round(input[g * 32 + i] * (127f / max)) * (max / 127f);
        }
        return result;
    }

    /// <summary>Two or three matrices over one input in one job give exactly what separate products give (mixed formats included).</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 11)]
    public void Shared_input_products_equal_separate_products(int threads, int vectors)
    {
        int columns = 96;
        var first = WeightMatrix.Create(RandomValues(37 * columns, 1), 37, columns, WeightFormat.F32);
        var second = WeightMatrix.Create(RandomValues(300 * columns, 2), 300, columns, WeightFormat.Q8_0);
        var third = WeightMatrix.Create(RandomValues(65 * columns, 3), 65, columns, WeightFormat.Q4);
        var input = RandomValues(vectors * columns, 4);
        var products = new MatrixProducts(threads);
        var (a, b, c) = (new float[vectors * 37], new float[vectors * 300], new float[vectors * 65]);
        products.Multiply(input, vectors, first, a, second, b, third, c);
        var (ea, eb, ec) = (new float[a.Length], new float[b.Length], new float[c.Length]);
        products.Multiply(first, input, ea, vectors);
        products.Multiply(second, input, eb, vectors);
        products.Multiply(third, input, ec, vectors);
        Assert.Equal(ea, a);
        Assert.Equal(eb, b);
        Assert.Equal(ec, c);
        Assert.Throws<ArgumentException>(() => products.Multiply(input, vectors, first, a, WeightMatrix.Create(new float[64], 2, 32, WeightFormat.F32), new float[2 * vectors]));
    }

    /// <summary>The vectorised activation quantizer against the scalar rule, on values that sit exactly halfway between two codes (ties go to even).</summary>
    [Fact]
    public void Activation_codes_round_half_to_even_like_the_scalar_rule()
    {
        int rows = 3, columns = 64;
        var input = new float[columns];
        for (int i = 0; i < columns; i++) input[i] = (i % 2 == 0 ? 1 : -1) * (i + 0.5f);
        input[0] = 127; // max = 127 makes the scale exactly 1, so every other value is a tie
        var values = RandomValues(rows * columns, 8);
        var output = new float[rows];
        new MatrixProducts(1).Multiply(WeightMatrix.Create(values, rows, columns, WeightFormat.Q8_0), input, output);
        var row = new float[columns];
        var matrix = WeightMatrix.Create(values, rows, columns, WeightFormat.Q8_0);
        var rounded = RoundToInt8Groups(input);
        for (int r = 0; r < rows; r++)
        {
            matrix.DequantizeRow(r, row);
            double expected = 0;
            for (int c = 0; c < columns; c++) expected += (double)row[c] * rounded[c];
            Assert.True(Math.Abs(expected - output[r]) < 1e-2, $"row {r}: {output[r]} against {expected}"); // a tie rounded the other way moves it by a whole weight
        }
    }

    [Fact]
    public void Quantizing_activations_costs_little_against_the_float_product()
    {
        // The int8 path quantizes the input too; its total error against the exact float product must stay
        // small relative to the product's magnitude (here about 1%), or quantized models would drift.
        int rows = 64, columns = 512;
        var values = RandomValues(rows * columns, 9);
        var input = RandomValues(columns, 10);
        var exact = new float[rows];
        var quantized = new float[rows];
        var products = new MatrixProducts(1);
        products.Multiply(WeightMatrix.Create(values, rows, columns, WeightFormat.F32), input, exact);
        products.Multiply(WeightMatrix.Create(values, rows, columns, WeightFormat.Q8_0), input, quantized);
        double error = 0, norm = 0;
        for (int r = 0; r < rows; r++)
        {
            error += Math.Pow(quantized[r] - exact[r], 2);
            norm += Math.Pow(exact[r], 2);
        }
        Assert.True(Math.Sqrt(error / norm) < 0.01, $"relative error {Math.Sqrt(error / norm)}");
    }

    [Fact]
    public void Quantized_formats_refuse_columns_that_split_a_group()
    {
        Assert.Throws<ArgumentException>(() => WeightMatrix.Create(new float[40], 1, 40, WeightFormat.Q8_0));
        Assert.Throws<ArgumentException>(() => WeightMatrix.Create(new float[40], 1, 40, WeightFormat.Q4));
        Assert.Throws<ArgumentException>(() => new MatrixProducts(1).Multiply(WeightMatrix.Create(new float[64], 2, 32, WeightFormat.F32), new float[31], new float[2]));
    }
}
