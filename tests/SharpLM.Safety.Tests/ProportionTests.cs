using SharpLM.Safety.Metrics;

namespace SharpLM.Safety.Tests;

public class ProportionTests
{
    // Wilson 95% intervals from the closed form, worked by hand to four places; 0/10 and 10/10 match the published "rule" bounds.
    [Theory]
    [InlineData(5, 10, 0.2366, 0.7634)]
    [InlineData(0, 10, 0.0, 0.2775)]
    [InlineData(10, 10, 0.7225, 1.0)]
    [InlineData(1, 20, 0.0089, 0.2361)]
    [InlineData(81, 263, 0.2553, 0.3662)]
    public void Wilson_intervals_match_hand_computed_values(int successes, int trials, double lower, double upper)
    {
        var p = Proportion.Wilson(successes, trials);
        Assert.Equal(lower, p.Lower, 1e-4);
        Assert.Equal(upper, p.Upper, 1e-4);
        Assert.InRange(p.Rate, p.Lower, p.Upper);
    }

    [Fact]
    public void No_trials_give_no_rate_and_impossible_counts_are_refused()
    {
        Assert.True(double.IsNaN(Proportion.Wilson(0, 0).Rate));
        Assert.Throws<ArgumentOutOfRangeException>(() => Proportion.Wilson(3, 2));
    }
}
