using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Tests;

public class MatrixVectorTests
{
    /// <summary>The blocked kernel against the row-dot reference and a plain double-precision loop, on awkward shapes.</summary>
    [Theory]
    [InlineData(1, 8, 1)]
    [InlineData(7, 13, 1)]
    [InlineData(37, 288, 1)]
    [InlineData(301, 301, 2)]
    [InlineData(1024, 768, 2)]
    public void Kernels_agree_with_a_plain_loop(int rows, int columns, int threads)
    {
        var random = new Random(rows * 31 + columns);
        var weights = Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var input = Enumerable.Range(0, columns).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var expected = new double[rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) expected[r] += (double)weights[r * columns + c] * input[c];
        foreach (var kernel in new[] { MatrixVectorKernel.Blocked, MatrixVectorKernel.RowDot })
        {
            var output = new float[rows];
            MatrixVector.Multiply(weights, input, output, rows, columns, threads, kernel);
            for (int r = 0; r < rows; r++) Assert.Equal(expected[r], output[r], 3);
        }
    }

    [Fact]
    public void Undersized_buffers_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MatrixVector.Multiply(new float[10], new float[4], new float[3], 3, 4, 1));
    }
}
