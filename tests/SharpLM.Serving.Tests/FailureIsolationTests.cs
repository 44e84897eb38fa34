using SharpLM.Inference.Constraints;
using SharpLM.Inference.Generation;
using SharpLM.Serving.Scheduling;
using SharpLM.Serving.Telemetry;

namespace SharpLM.Serving.Tests;

/// <summary>One request's failure in the scheduler (its constraint, its sampling) ends that request alone.</summary>
public class FailureIsolationTests
{
    private static readonly Lazy<string> Model = new(ServerFixture.CreateModel);
    private static readonly SamplingOptions Greedy = new() { Temperature = 0, MaxNewTokens = 12, StopAtEndOfText = false };

    /// <summary>A constraint that allows every token and fails on its third.</summary>
    private sealed class FailsOnThirdToken : ITokenConstraint
    {
        private int _advanced;
        public void Mask(Span<float> logits) { }
        public void Advance(int token)
        {
            if (++_advanced == 3) throw new InvalidOperationException("the constraint failed on its third token");
        }
        public bool IsComplete => false;
        public bool CanContinue => true;
    }

    private static Scheduler NewScheduler()
    {
        var served = ServedModel.Load(Model.Value, slots: 3, threads: 1);
        return new Scheduler(served.Backend, served.Tokenizer, new ServerMetrics("test"), queueCapacity: 8);
    }

    private static async Task<List<int>> Tokens(GenerationJob job) => (await job.Updates.ReadAllAsync().ToListAsync()).SelectMany(u => u.Tokens).ToList();

    [Fact]
    public async Task A_job_that_fails_mid_generation_ends_alone_and_the_others_output_is_unchanged()
    {
        int[] prompt = [11, 12, 13, 14];
        List<int> alone;
        using (var scheduler = NewScheduler())
        using (var job = new GenerationJob(prompt, [Greedy]))
        {
            Assert.True(scheduler.TrySubmit(job));
            alone = await Tokens(job);
        }
        Assert.Equal(12, alone.Count);

        using var shared = NewScheduler();
        using var failing = new GenerationJob([21, 22, 23], [Greedy, Greedy], newConstraint: () => new FailsOnThirdToken());
        using var other = new GenerationJob(prompt, [Greedy]);
        // Submitted together, so all three choices are in slots when the two of the first job fail.
        Assert.True(shared.TrySubmit(failing));
        Assert.True(shared.TrySubmit(other));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Tokens(failing));
        Assert.Equal("the constraint failed on its third token", error.Message);
        Assert.Equal(alone, await Tokens(other));
        Assert.Equal(0, shared.BusySlots);
        // Every slot serves the next job.
        using var next = new GenerationJob(prompt, [Greedy, Greedy, Greedy]);
        Assert.True(shared.TrySubmit(next));
        Assert.Equal(36, (await Tokens(next)).Count);
    }
}
