using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Tests;

/// <summary>The fused softmax and SwiGLU loops against double-precision formulas, on lengths around the vector width.</summary>
public class ElementwiseKernelTests
{
    private static float[] RandomValues(int count, int seed, double spread)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * spread)).ToArray();
    }

    public static TheoryData<int, int, bool> SoftmaxShapes()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (bool simd in new[] { true, false })
            foreach (var (seen, count) in new[] { (1, 1), (1, 64), (7, 9), (8, 8), (9, 40), (23, 23), (33, 64), (64, 64) })
                data.Add(seen, count, simd);
        return data;
    }

    [Theory]
    [MemberData(nameof(SoftmaxShapes))]
    public unsafe void Softmax_step_scales_takes_the_maximum_exponentiates_and_zeroes_the_unseen(int seen, int count, bool simd)
    {
        var row = RandomValues(64, seen * 100 + count, 20);
        var original = (float[])row.Clone();
        const float Scale = 0.125f;
        float maximum, sum;
        fixed (float* p = row)
        {
            maximum = OnlineSoftmax.ScaleAndMaximum(p, seen, Scale, simd);
            sum = OnlineSoftmax.Exponentiate(p, seen, count, maximum, simd);
        }
        Assert.Equal(original.Take(seen).Max(v => v * Scale), maximum);
        double expectedSum = 0;
        for (int j = 0; j < seen; j++)
        {
            double expected = Math.Exp((double)original[j] * Scale - maximum);
            expectedSum += expected;
            Assert.True(Math.Abs(row[j] - expected) <= 1e-6 * Math.Max(1, expected), $"element {j}: {row[j]} vs {expected}");
        }
        Assert.True(Math.Abs(sum - expectedSum) <= 1e-5 * expectedSum, $"sum {sum} vs {expectedSum}");
        for (int j = seen; j < count; j++) Assert.Equal(0f, row[j]);
        for (int j = count; j < 64; j++) Assert.Equal(original[j], row[j]); // past the tile's keys nothing is touched
    }

    [Fact]
    public void Fast_exp_is_within_two_float_ulps_and_its_vector_and_scalar_forms_agree_bit_for_bit()
    {
        var inputs = new List<float> { 0f, -0f, 1f, -1f, 0.5f * MathF.Log(2), -87f, 87.9f, 88f, -87.3f };
        var random = new Random(11);
        for (int i = 0; i < 20_000; i++) inputs.Add((float)(random.NextDouble() * 175 - 87));
        while (inputs.Count % 8 != 0) inputs.Add(0);
        for (int i = 0; i < inputs.Count; i += 8)
        {
            var vector = FastExp.Exp(System.Runtime.Intrinsics.Vector256.Create(inputs.GetRange(i, 8).ToArray()));
            for (int lane = 0; lane < 8; lane++)
            {
                float x = inputs[i + lane], scalar = FastExp.Exp(x);
                Assert.Equal(BitConverter.SingleToInt32Bits(scalar), BitConverter.SingleToInt32Bits(vector[lane]));
                double expected = Math.Exp(x);
                Assert.True(Math.Abs(scalar - expected) <= 2.4e-7 * expected, $"exp({x}) = {scalar}, not {expected}");
            }
        }
        Assert.True(FastExp.Exp(-1000f) < 1.3e-38f); // below the clamp: e^−87.3, zero for every caller
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(768)]
    public void SwiGlu_is_silu_of_the_gate_times_up(int length)
    {
        var gate = RandomValues(length, length, 12);
        var up = RandomValues(length, length + 1, 3);
        var original = (float[])gate.Clone();
        SwiGlu.Apply(gate, up);
        for (int k = 0; k < length; k++)
        {
            double g = original[k], expected = g / (1 + Math.Exp(-g)) * up[k];
            Assert.True(Math.Abs(gate[k] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"element {k}: {gate[k]} vs {expected}");
        }
    }
}
