using SharpLM.Core;
using SharpLM.PostTraining.Reward;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

public class RewardTests
{
    private static readonly RewardOptions Options = new() { MaxLength = 64, ValidationFraction = 0.25, Seed = 6 };

    [Fact]
    public void Bradley_terry_loss_and_accuracy_equal_a_hand_computed_example()
    {
        // Margins 1, 0 (a tie, not a success) and −2.
        using var chosen = tensor(new float[] { 2, 0.5f, -1 }).requires_grad_(true);
        var (loss, metrics) = RewardLoss.Compute(chosen, tensor(new float[] { 1, 0.5f, 1 }));
        Near((Math.Log(1 + Math.Exp(-1)) + Math.Log(2) + Math.Log(1 + Math.Exp(2))) / 3, loss.item<float>(), 1e-6);
        Near(1.0 / 3, metrics["accuracy"], 1e-6);
        Near(-1.0 / 3, metrics["margin"], 1e-6);
        Near(0.5, metrics["rewards/chosen"], 1e-6);
        Near(5.0 / 6, metrics["rewards/rejected"], 1e-6);
        loss.backward();
        // ∂/∂r_chosen of −log σ(m) / 3 is −σ(−m) / 3.
        var expected = new[] { 1, 0, -2 }.Select(m => -1 / (1 + Math.Exp(m)) / 3).ToArray();
        var grad = chosen.grad!.data<float>().ToArray();
        for (int i = 0; i < 3; i++) Near(expected[i], grad[i], 1e-6);
    }

    /// <summary>Each sequence run alone, its last hidden state dotted with the head: a second implementation of the pooling.</summary>
    private static double AloneReward(Training.Modeling.LlamaForCausalLM model, RewardModel reward, int[] sequence)
    {
        using var hidden = model.Decoder.forward(tensor(sequence.Select(t => (long)t).ToArray(), [1, sequence.Length]));
        var last = hidden[0, sequence.Length - 1].data<float>().ToArray();
        var score = reward.Score.data<float>().ToArray();
        return last.Zip(score, (h, w) => (double)h * w).Sum();
    }

    [Fact]
    public void The_engine_scores_a_saved_reward_model_as_libtorch_does()
    {
        using var model = ChatFixture.Model();
        model.eval();
        var reward = new RewardModel(model, seed: 2);
        string directory = Path.Combine(Directory.CreateTempSubdirectory("sharplm-reward-").FullName, "model");
        Training.Checkpoints.HfCheckpoint.Save(model, ChatFixture.Tokenizer, directory);
        RewardHeadFile.Write(Path.Combine(directory, RewardHeadFile.FileName), reward.Score.data<float>().ToArray());
        // Loaded from the run folder above model/, as `rl --reward RUN` names it.
        var engine = EngineRewardModel.Load(Path.GetDirectoryName(directory)!, threads: 1);

        using var _ = no_grad();
        Core.Formats.Chat.ChatTurn[] prompt = [new("system", "Answer in one sentence."), new("user", "Whom does Ahab follow?")];
        foreach (string completion in new[] { "Ahab follows Stubb.", "Queequeg greets Starbuck and fears Ishmael." })
        {
            // The conversation rendered as a reward training pair renders it, scored by the libtorch pooling.
            var ids = ChatFixture.Template.Render([.. prompt.Select(t => new Tokenizers.Chat.ChatMessage(t.Role, t.Content)),
                new Tokenizers.Chat.ChatMessage("assistant", completion)]).Ids;
            Near(AloneReward(model, reward, ids), engine.Score(prompt, completion), 1e-4);
        }
        // A sequence longer than the engine's chunk of 64 tokens is read to its true last token.
        var longer = Enumerable.Range(0, 100).Select(i => 5 + i % 200).ToArray();
        Near(AloneReward(model, reward, longer), engine.Score(longer), 1e-4);
    }

    [Fact]
    public void Batched_padded_rewards_and_held_out_accuracy_match_sequences_scored_one_by_one()
    {
        var data = PreferenceFixture.Data();
        using var model = ChatFixture.Model();
        model.eval();
        var reward = new RewardModel(model, seed: 2);
        using var _ = no_grad();
        var pairs = data.Validation;
        using var batch = RewardBatch.Build(pairs, CPU);
        var (chosen, rejected) = batch.Rewards(reward);
        var batchedChosen = chosen.data<float>().ToArray();
        var batchedRejected = rejected.data<float>().ToArray();
        int wins = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            double c = AloneReward(model, reward, RewardBatch.Sequence(pairs[i].Chosen)), r = AloneReward(model, reward, RewardBatch.Sequence(pairs[i].Rejected));
            Near(c, batchedChosen[i], 1e-5);
            Near(r, batchedRejected[i], 1e-5);
            if (c > r) wins++;
        }
        var objective = new RewardObjective(data, reward, Options, batchSize: 4, evalBatches: 10);
        objective.ValidationLoss(model, CPU);
        Near((double)wins / pairs.Count, objective.ValidationMetrics!["eval_accuracy"], 1e-6);
    }

    private static (List<double> Losses, double Before, double After) Train(string run, bool resume = false, int? stopAfter = null)
    {
        var data = PreferenceFixture.Data();
        using var model = ChatFixture.Model();
        var reward = new RewardModel(model, Options.Seed);
        var config = new PretrainConfig
        {
            Training = new PretrainOptions
            {
                Steps = 16, BatchSize = 4, SequenceLength = 64, LearningRate = 3e-3, WarmupSteps = 1, EvalInterval = 8, EvalBatches = 2,
                CheckpointInterval = 8, WeightDecay = 0,
            },
        };
        var objective = new RewardObjective(data, reward, Options, config.Training.BatchSize, config.Training.EvalBatches);
        var losses = new List<double>();
        // Accuracy on the training pairs themselves, before and after: whether the model fits the preference.
        var onTrain = new RewardObjective(data with { Validation = data.Train }, reward, Options, 8, 10);
        double Fit()
        {
            using var noGrad = no_grad();
            onTrain.ValidationLoss(model, CPU);
            return onTrain.ValidationMetrics!["eval_accuracy"];
        }
        double before = Fit();
        InterruptedRun.Run(model, config, objective, reward, run, resume, stopAfter, r =>
        {
            losses.Add(r.Loss);
        });
        return (losses, before, Fit());
    }

    [Fact]
    public void A_reward_model_learns_the_preference_and_a_resumed_run_reproduces_it_exactly()
    {
        var (uninterrupted, before, after) = Train(Directory.CreateTempSubdirectory().FullName);
        Assert.True(uninterrupted.Skip(12).Average() < uninterrupted.Take(4).Average(), "the loss falls");
        Assert.True(after > before && after >= 0.75, $"pairwise accuracy on the training pairs {before} before, {after} after");
        string run = Directory.CreateTempSubdirectory().FullName;
        var (first, _, _) = Train(run, stopAfter: 10); // the last checkpoint is at step 8
        var (second, _, _) = Train(run, resume: true);
        Assert.Equal(uninterrupted.Take(10), first);
        Assert.Equal(uninterrupted.Skip(8), second);
    }

    [Fact]
    public void The_head_file_round_trips_and_a_wrong_shape_is_refused()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, RewardHeadFile.FileName);
        float[] weight = [0.5f, -1.25f, 3f];
        RewardHeadFile.Write(path, weight);
        Assert.Equal(weight, RewardHeadFile.Read(path, 3));
        var error = Assert.Throws<SharpLMException>(() => RewardHeadFile.Read(path, 4));
        Assert.Contains("expected [1, 4]", error.Message);
    }
}
