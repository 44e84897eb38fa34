using SharpLM.Core.Formats.Gguf;

namespace SharpLM.Core.Tests;

/// <summary>
/// The permutation is checked through what it is for: llama.cpp's interleaved RoPE applied to projections by
/// the permuted weights must give the same rotated vectors (reordered within each head) and therefore the same
/// attention scores as Hugging Face's rotate-half RoPE applied to projections by the original weights.
/// </summary>
public class RopePermutationTests
{
    private const double Theta = 10000;

    private static double[] Project(float[] weight, double[] x)
    {
        int rows = weight.Length / x.Length;
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < x.Length; c++) y[r] += weight[r * x.Length + c] * x[c];
        return y;
    }

    /// <summary>Hugging Face: out = x·cos + rotate_half(x)·sin, rotate_half(x) = [-x2, x1] over the two halves of a head.</summary>
    private static double[] RotateHalfRope(double[] v, int headDim, int position)
    {
        var result = new double[v.Length];
        int half = headDim / 2;
        for (int head = 0; head < v.Length / headDim; head++)
            for (int j = 0; j < half; j++)
            {
                double angle = position * Math.Pow(Theta, -2.0 * j / headDim);
                int a = head * headDim + j, b = a + half;
                result[a] = v[a] * Math.Cos(angle) - v[b] * Math.Sin(angle);
                result[b] = v[b] * Math.Cos(angle) + v[a] * Math.Sin(angle);
            }
        return result;
    }

    /// <summary>llama.cpp's normal RoPE: neighbouring values (2j, 2j + 1) form pair j.</summary>
    private static double[] InterleavedRope(double[] v, int headDim, int position)
    {
        var result = new double[v.Length];
        for (int head = 0; head < v.Length / headDim; head++)
            for (int j = 0; j < headDim / 2; j++)
            {
                double angle = position * Math.Pow(Theta, -2.0 * j / headDim);
                int a = head * headDim + 2 * j, b = a + 1;
                result[a] = v[a] * Math.Cos(angle) - v[b] * Math.Sin(angle);
                result[b] = v[b] * Math.Cos(angle) + v[a] * Math.Sin(angle);
            }
        return result;
    }

    [Fact]
    public void Interleaved_rope_on_permuted_weights_equals_rotate_half_rope_on_the_originals()
    {
        var random = new Random(11);
        const int columns = 24, heads = 4, kvHeads = 2, headDim = 8;
        float[] Matrix(int rows) => Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] wq = Matrix(heads * headDim), wk = Matrix(kvHeads * headDim);
        double[] x = Enumerable.Range(0, columns).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] y = Enumerable.Range(0, columns).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        float[] wqPermuted = RopePermutation.RotateHalfToInterleaved(wq, heads, columns);
        float[] wkPermuted = RopePermutation.RotateHalfToInterleaved(wk, kvHeads, columns);
        const int queryPosition = 13, keyPosition = 5;

        double[] qHf = RotateHalfRope(Project(wq, x), headDim, queryPosition);
        double[] kHf = RotateHalfRope(Project(wk, y), headDim, keyPosition);
        double[] qGguf = InterleavedRope(Project(wqPermuted, x), headDim, queryPosition);
        double[] kGguf = InterleavedRope(Project(wkPermuted, y), headDim, keyPosition);

        // The same rotated values, with pair j of a head at (2j, 2j + 1) instead of (j, j + d/2).
        for (int head = 0; head < heads; head++)
            for (int j = 0; j < headDim / 2; j++)
                for (int s = 0; s < 2; s++)
                    Assert.Equal(qHf[head * headDim + s * headDim / 2 + j], qGguf[head * headDim + 2 * j + s], 12);

        // Hence every attention score (query head h reads key head h / (heads / kvHeads)) is unchanged.
        for (int head = 0; head < heads; head++)
        {
            int kvHead = head / (heads / kvHeads);
            double hf = 0, gguf = 0;
            for (int i = 0; i < headDim; i++)
            {
                hf += qHf[head * headDim + i] * kHf[kvHead * headDim + i];
                gguf += qGguf[head * headDim + i] * kGguf[kvHead * headDim + i];
            }
            Assert.Equal(hf, gguf, 10);
        }

        // Without the permutation the scores differ: the test can tell a wrong layout from a right one.
        double[] qUnpermuted = InterleavedRope(Project(wq, x), headDim, queryPosition);
        double[] kUnpermuted = InterleavedRope(Project(wk, y), headDim, keyPosition);
        double wrong = 0, right = 0;
        for (int i = 0; i < headDim; i++) { wrong += qUnpermuted[i] * kUnpermuted[i]; right += qHf[i] * kHf[i]; }
        Assert.True(Math.Abs(wrong - right) > 1e-3);
    }

    [Fact]
    public void The_inverse_restores_the_rows_and_the_map_matches_the_reshape_swap_formulation()
    {
        const int heads = 3, headDim = 6, columns = 2;
        float[] weight = Enumerable.Range(0, heads * headDim * columns).Select(i => (float)i).ToArray();
        float[] permuted = RopePermutation.RotateHalfToInterleaved(weight, heads, columns);
        Assert.Equal(weight, RopePermutation.InterleavedToRotateHalf(permuted, heads, columns));
        // llama.cpp's converter: reshape rows to (heads, 2, d/2), swap the last two axes, flatten. Row r of the
        // result is then the original row (h, s, j) for r = (h, j, s).
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < headDim / 2; j++)
                for (int s = 0; s < 2; s++)
                {
                    int newRow = h * headDim + j * 2 + s, oldRow = h * headDim + s * (headDim / 2) + j;
                    Assert.Equal(weight.AsSpan(oldRow * columns, columns).ToArray(), permuted.AsSpan(newRow * columns, columns).ToArray());
                }
        Assert.Throws<ArgumentException>(() => RopePermutation.RotateHalfToInterleaved(new float[10], 2, 1)); // heads of 5 rows: odd
    }
}
