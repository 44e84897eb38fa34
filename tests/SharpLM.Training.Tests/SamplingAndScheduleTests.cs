using SharpLM.Inference.Generation;
using SharpLM.Training.Generation;
using SharpLM.Training.Pretraining;

namespace SharpLM.Training.Tests;

public class SamplingAndScheduleTests
{
    private static readonly float[] Logits = [(float)Math.Log(0.5), (float)Math.Log(0.3), (float)Math.Log(0.2)];

    [Fact]
    public void Greedy_and_top1_pick_the_most_likely_token()
    {
        Assert.Equal(1, new TokenSampler(new SamplingOptions { Temperature = 0 }).Next([0.1f, 2f, -1f]));
        var topOne = new TokenSampler(new SamplingOptions { Temperature = 1.5, TopK = 1, Seed = 9 });
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(1, topOne.Next([0.1f, 2f, -1f])));
    }

    [Fact]
    public void Sampling_follows_the_softmax_distribution()
    {
        var sampler = new TokenSampler(new SamplingOptions { Temperature = 1, TopK = 0, Seed = 1 });
        var counts = new int[3];
        const int draws = 30000;
        for (int i = 0; i < draws; i++) counts[sampler.Next(Logits)]++;
        // Three standard deviations of a binomial proportion at n = 30000 is below 0.009.
        Assert.InRange(counts[0] / (double)draws, 0.491, 0.509);
        Assert.InRange(counts[1] / (double)draws, 0.291, 0.309);
        Assert.InRange(counts[2] / (double)draws, 0.191, 0.209);
    }

    [Fact]
    public void Top_k_renormalises_over_the_kept_tokens()
    {
        var sampler = new TokenSampler(new SamplingOptions { Temperature = 1, TopK = 2, Seed = 2 });
        var counts = new int[3];
        for (int i = 0; i < 20000; i++) counts[sampler.Next(Logits)]++;
        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[0] / 20000.0, 0.5 / 0.8 - 0.011, 0.5 / 0.8 + 0.011);
    }

    [Fact]
    public void The_same_seed_gives_the_same_draws()
    {
        int[] Draw(long seed)
        {
            var sampler = new TokenSampler(new SamplingOptions { Temperature = 0.9, TopK = 0, Seed = seed });
            return Enumerable.Range(0, 40).Select(_ => sampler.Next(Logits)).ToArray();
        }
        Assert.Equal(Draw(5), Draw(5));
        Assert.NotEqual(Draw(5), Draw(6));
    }

    [Fact]
    public void Schedule_warms_up_linearly_then_decays_by_cosine_to_the_floor()
    {
        var schedule = new LearningRateSchedule(Peak: 1.0, WarmupSteps: 10, TotalSteps: 111, MinRatio: 0.1);
        Assert.Equal(0.1, schedule.At(0), 12);
        Assert.Equal(0.5, schedule.At(4), 12);
        Assert.Equal(1.0, schedule.At(9), 12);
        Assert.Equal(1.0, schedule.At(10), 12);
        Assert.Equal(0.1 + 0.9 * 0.5, schedule.At(60), 12);
        Assert.Equal(0.1, schedule.At(110), 12);
    }
}
