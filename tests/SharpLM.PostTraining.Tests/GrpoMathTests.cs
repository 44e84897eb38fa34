using SharpLM.PostTraining.Rl;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

public class GrpoMathTests
{
    [Fact]
    public void Advantages_are_normalised_within_each_group_by_the_sample_std()
    {
        // Group 1: mean 0.25, sample std 0.5. Group 2: mean 0.5, sample std √(1/3). Group 3: all equal, so zero.
        var (advantages, stds) = GroupAdvantages.Compute([1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1], 4);
        double[] expected = [1.4997000599880024, -0.4999000199960008, -0.4999000199960008, -0.4999000199960008,
            0.8658754297607016, 0.8658754297607016, -0.8658754297607016, -0.8658754297607016, 0, 0, 0, 0];
        for (int i = 0; i < expected.Length; i++) Tolerance.Near(expected[i], advantages[i], 1e-12);
        Tolerance.Near(0.5, stds[0], 1e-12);
        Tolerance.Near(Math.Sqrt(1.0 / 3), stds[1], 1e-12);
        Assert.Equal(0, stds[2]);
    }

    [Fact]
    public void The_clipped_loss_and_its_gradient_match_a_hand_computed_batch()
    {
        // Row 0 (A = +1): ratios 1.5 (clipped to 1.2), 0.9 (inside), and a padded position that must not count.
        // Row 1 (A = −1): ratios 0.5 (clipped to 0.8), 1.1 (inside).
        var old = zeros(2, 3);
        var logps = tensor(new[] { (float)Math.Log(1.5), (float)Math.Log(0.9), (float)Math.Log(3.0), (float)Math.Log(0.5), (float)Math.Log(1.1), 0f }, [2, 3])
            .requires_grad_(true);
        var mask = tensor(new[] { 1f, 1, 0, 1, 1, 0 }, [2, 3]);
        var (loss, metrics) = GrpoLoss.Compute(logps, old, null, tensor(new[] { 1f, -1f }), mask, epsilon: 0.2, beta: 0);
        // −min(1.5, 1.2) − min(0.9, 0.9) − min(−0.5, −0.8) − min(−1.1, −1.1), over 4 tokens.
        Tolerance.Near((-1.2 - 0.9 + 0.8 + 1.1) / 4, loss.item<float>(), 1e-6);
        Tolerance.Near(0.5, metrics["clip_ratio"], 1e-6);
        Assert.Equal(0, metrics["kl"]);
        loss.backward();
        var grad = logps.grad!.data<float>().ToArray();
        // d(−ρ·A)/d log π = −ρ·A where the ratio is inside the clip, 0 where the clip holds it, 0 on padding.
        double[] expected = [0, -0.9 / 4, 0, 0, 1.1 / 4, 0];
        for (int i = 0; i < expected.Length; i++) Tolerance.Near(expected[i], grad[i], 1e-6);
    }

    [Fact]
    public void The_kl_term_is_the_k3_estimator()
    {
        // π = 0.5, π_ref = 0.25: k3 = π_ref/π − log(π_ref/π) − 1 = 0.5 + ln 2 − 1.
        double k3 = 0.5 - Math.Log(0.5) - 1;
        var logps = full(1, 2, (float)Math.Log(0.5));
        var reference = full(1, 2, (float)Math.Log(0.25));
        var (loss, metrics) = GrpoLoss.Compute(logps, logps, reference, zeros(1), ones(1, 2), epsilon: 0.2, beta: 0.1);
        Tolerance.Near(k3, metrics["kl"], 1e-6);
        Tolerance.Near(0.1 * k3, loss.item<float>(), 1e-6);
    }

    [Theory]
    [InlineData("Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 1,234.", "She sold 1234 in all.\n#### 1234", 1.0)]
    [InlineData("#### 12", "#### 13", 0.0)]
    [InlineData("#### -7", "#### -7", 1.0)]
    [InlineData("  Jackson.", "Jackson", 1.0)]
    [InlineData("JACKSON", "Jackson", 1.0)]
    [InlineData("Salt  Lake City", "Salt Lake City", 1.0)]
    [InlineData("Atlanta", "Jackson", 0.0)]
    [InlineData("The capital is Jackson", "Jackson", 0.0)]
    public void The_verifier_scores_hand_labelled_completions(string completion, string answer, double expected) =>
        Assert.Equal(expected, FinalAnswer.Reward(completion, answer));

    [Fact]
    public void Prompts_read_synth_preference_lines_and_plain_answers()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "prompts.jsonl");
        File.WriteAllLines(path, [
            """{"prompt": "What is 2+3?", "chosen": "2+3=<<2+3=5>>5\n#### 5", "rejected": "#### 6"}""",
            """{"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of Utah?"}], "answer": "Salt Lake City"}""",
            """{"question": "Tom has 3 apples and buys 4. How many?", "answer": "3+4=7\n#### 7", "result": 7}""",
        ]);
        var prompts = RlPrompts.Read(path, answerRequired: true);
        Assert.Equal("5", FinalAnswer.Extract(prompts[0].Answer!));
        Assert.Equal([new Core.Formats.Chat.ChatTurn("system", "Be brief."), new Core.Formats.Chat.ChatTurn("user", "Capital of Utah?")], prompts[1].Prompt);
        Assert.Equal(3, prompts[2].Line);
        Assert.Equal("7", FinalAnswer.Extract(prompts[2].Answer!));
    }

    [Fact]
    public void A_rollout_trains_only_on_its_completion_tokens()
    {
        var conversation = new Rollout(0, [5, 6, 7], [8, 9], "").AsConversation();
        Assert.Equal([5, 6, 7, 8], conversation.Inputs);
        Assert.Equal([6, 7, 8, 9], conversation.Targets);
        Assert.Equal([false, false, true, true], conversation.Supervised);
    }
}
