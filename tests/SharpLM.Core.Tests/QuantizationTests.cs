using SharpLM.Core.Quantization;
using Xunit;

namespace SharpLM.Core.Tests;

public class QuantizationTests
{
    [Fact]
    public void Q8_0_round_trip_error_is_at_most_half_a_step_per_block()
    {
        var random = new Random(3);
        var values = new float[32 * 20];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() - 0.5) * (1 + i / 32));
        values[64] = 0; // a block may hold exact zeros
        var blocks = new byte[Q8_0.ByteCount(values.Length)];
        Q8_0.Quantize(values, blocks);
        var decoded = new float[values.Length];
        Q8_0.Dequantize(blocks, decoded);
        for (int b = 0; b < 20; b++)
        {
            float absMax = values.Skip(b * 32).Take(32).Max(Math.Abs);
            float step = (float)(Half)(absMax / 127f);
            for (int i = b * 32; i < b * 32 + 32; i++)
                Assert.True(Math.Abs(values[i] - decoded[i]) <= step * 0.5f + 1e-6f, $"value {i}: {values[i]} became {decoded[i]}");
            Assert.Equal(absMax, decoded.Skip(b * 32).Take(32).Max(Math.Abs), absMax * 2e-3f);
        }
    }

    [Fact]
    public void Q8_0_block_of_zeros_has_zero_scale()
    {
        var blocks = new byte[34];
        Q8_0.Quantize(new float[32], blocks);
        Assert.All(blocks, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Q8_0_rejects_lengths_that_are_not_whole_blocks() =>
        Assert.Throws<ArgumentException>(() => Q8_0.ByteCount(33));

    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(-2.0f, (ushort)0xC000)]
    [InlineData(1.00390625f, (ushort)0x3F80)] // exactly half-way: ties to even (down)
    [InlineData(1.01171875f, (ushort)0x3F82)] // half-way above an odd mantissa: ties to even (up)
    [InlineData(float.PositiveInfinity, (ushort)0x7F80)]
    public void BFloat16_rounds_to_nearest_even(float value, ushort expected) =>
        Assert.Equal(expected, BFloat16.FromSingle(value));

    [Fact]
    public void BFloat16_keeps_NaN_and_widens_exactly()
    {
        Assert.True(float.IsNaN(BFloat16.ToSingle(BFloat16.FromSingle(float.NaN))));
        Assert.Equal(3.140625f, BFloat16.ToSingle(BFloat16.FromSingle(3.14159f)));
    }
}
