using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Tests;

/// <summary>The register-blocked attention products against plain double-precision loops, on slices of wider rows and awkward sizes.</summary>
public class AttentionBlocksTests
{
    private static float[] RandomValues(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    // (queries, keys, dimensions): tails of the four-key and three-query blocks, one query, dimensions below and
    // not a multiple of eight.
    public static TheoryData<int, int, int, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool>();
        foreach (bool simd in new[] { true, false })
            foreach (var (queries, keys, dimensions) in new[] { (1, 1, 8), (1, 7, 48), (3, 4, 16), (4, 5, 19), (5, 64, 64), (8, 63, 48), (7, 9, 5), (2, 13, 33) })
                data.Add(queries, keys, dimensions, simd);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void Scores_equal_plain_dot_products(int queries, int keys, int dimensions, bool simd)
    {
        int queryStride = dimensions + 11, keyStride = 2 * dimensions + 3, scoreStride = keys + 2;
        var q = RandomValues(queries * queryStride, queries + dimensions);
        var k = RandomValues(keys * keyStride, keys + 7);
        var scores = new float[queries * scoreStride];
        fixed (float* qp = q, kp = k, sp = scores)
            AttentionBlocks.Scores(qp + 3, queryStride, queries, kp + 1, keyStride, keys, dimensions, sp, scoreStride, simd);
        for (int i = 0; i < queries; i++)
            for (int j = 0; j < keys; j++)
            {
                double expected = 0, magnitude = 0;
                for (int d = 0; d < dimensions; d++)
                {
                    double product = (double)q[i * queryStride + 3 + d] * k[j * keyStride + 1 + d];
                    expected += product;
                    magnitude += Math.Abs(product);
                }
                Assert.True(Math.Abs(scores[i * scoreStride + j] - expected) <= 1e-5 * magnitude + 1e-6,
                    $"query {i} key {j}: {scores[i * scoreStride + j]}, reference {expected}");
            }
        for (int i = 0; i < queries; i++)
            for (int j = keys; j < scoreStride; j++) Assert.Equal(0f, scores[i * scoreStride + j]); // nothing written past the keys
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void Weighted_values_add_to_the_output(int rows, int keys, int dimensions, bool simd)
    {
        int probabilityStride = keys + 5, valueStride = dimensions + 9, outputStride = dimensions + 4;
        var p = RandomValues(rows * probabilityStride, rows + keys);
        var v = RandomValues(keys * valueStride, dimensions);
        var output = RandomValues(rows * outputStride, 99); // the sum adds to what is there
        var before = (float[])output.Clone();
        fixed (float* pp = p, vp = v, op = output)
            AttentionBlocks.AddWeightedValues(pp, probabilityStride, rows, vp + 2, valueStride, keys, dimensions, op, outputStride, simd);
        for (int i = 0; i < rows; i++)
        {
            for (int d = 0; d < dimensions; d++)
            {
                double expected = before[i * outputStride + d], magnitude = Math.Abs(expected);
                for (int j = 0; j < keys; j++)
                {
                    double product = (double)p[i * probabilityStride + j] * v[j * valueStride + 2 + d];
                    expected += product;
                    magnitude += Math.Abs(product);
                }
                Assert.True(Math.Abs(output[i * outputStride + d] - expected) <= 1e-5 * magnitude + 1e-6,
                    $"row {i} dimension {d}: {output[i * outputStride + d]}, reference {expected}");
            }
            for (int d = dimensions; d < outputStride; d++) Assert.Equal(before[i * outputStride + d], output[i * outputStride + d]);
        }
    }
}
