using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.PostTraining.Rl;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Pretraining;

namespace SharpLM.PostTraining.Tests;

public class GrpoResumeTests
{
    private static readonly Lazy<string> BaseModel = new(() =>
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory("sharplm-rl-base-").FullName, "model");
        using var model = ChatFixture.Model();
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, directory);
        return directory;
    });

    private static readonly RlPrompt[] Prompts = new[] { "Ahab", "Stubb", "Starbuck" }.Select((who, i) =>
        new RlPrompt(i + 1, [new Core.Formats.Chat.ChatTurn("user", $"Whom does {who} watch?")], $"{who} watches Ahab.")).ToArray();

    /// <summary>
    /// A reward that varies between completions of one prompt (their length modulo 3), so the advantages and the
    /// gradient are not zero on a model too small to answer anything right.
    /// </summary>
    private static double LengthReward(Rollout rollout) => rollout.CompletionIds.Length % 3;

    private static List<Dictionary<string, double>> Train(string run, double beta, bool resume = false, int? stopAfter = null, int[]? tokens = null,
        PromptTuning.PromptTuningOptions? prompt = null)
    {
        var folder = ModelFolder.Open(BaseModel.Value);
        var options = new GrpoOptions { GroupSize = 3, MaxNewTokens = 6, Beta = beta, Seed = 9, TrainableTokens = tokens, PromptTuning = prompt };
        using var model = HfCheckpoint.Load(folder);
        using var trained = TrainedWeights.Create(model, null, prompt, tokens, ChatFixture.Tokenizer, options.Seed);
        var config = new PretrainConfig
        {
            Training = new PretrainOptions { Steps = 4, BatchSize = 2, SequenceLength = 64, LearningRate = 3e-3, WarmupSteps = 1, EvalInterval = 4, CheckpointInterval = 2, WeightDecay = 0 },
        };
        var sampler = new RolloutSampler(ChatFixture.Tokenizer, ChatFixture.Template, threads: 1);
        var identity = new TokenShardIdentity { Path = "prompts", Tokens = Prompts.Length, Documents = Prompts.Length, Fingerprint = new string('a', 64) };
        var objective = new GrpoObjective(Prompts, identity, options, sampler, new PolicySnapshot(folder, ChatFixture.Tokenizer, Path.Combine(run, "snapshot"), trained),
            LengthReward, beta > 0 ? EngineModel.Load(folder) : null, config.Training.BatchSize, threads: 1, prompt: trained.Prompt);
        var steps = new List<Dictionary<string, double>>();
        InterruptedRun.Run(model, config, objective, trained.Weights, run, resume, stopAfter, r =>
        {
            steps.Add(new Dictionary<string, double>(objective.StepMetrics));
        });
        return steps;
    }

    /// <summary>
    /// "tokens": only the chat template's two token rows train; "prompt": only three virtual tokens (prompt tuning). In
    /// both the engine samples from the adapter they are saved in, and the KL reference is the model without them.
    /// </summary>
    [Theory]
    [InlineData(0.0, "full")]
    [InlineData(0.05, "full")]
    [InlineData(0.05, "tokens")]
    [InlineData(0.05, "prompt")]
    public void A_killed_and_resumed_rl_run_reproduces_the_uninterrupted_run_exactly(double beta, string trains)
    {
        int[]? tokens = trains == "tokens" ? [ChatFixture.Tokenizer.Specials["<|im_start|>"], ChatFixture.Tokenizer.Specials["<|im_end|>"]] : null;
        var prompt = trains == "prompt" ? new PromptTuning.PromptTuningOptions { VirtualTokens = 3 } : null;
        List<Dictionary<string, double>> Train(string run, bool resume = false, int? stopAfter = null) =>
            GrpoResumeTests.Train(run, beta, resume, stopAfter, tokens, prompt);
        var uninterrupted = Train(Directory.CreateTempSubdirectory().FullName);
        Assert.Equal(4, uninterrupted.Count);
        Assert.Contains(uninterrupted, s => s["loss"] != 0);
        Assert.All(uninterrupted, s => Assert.InRange(s["completions/mean_length"], 1, 6));
        if (beta > 0) Assert.Contains(uninterrupted, s => s["kl"] > 0);

        string run = Directory.CreateTempSubdirectory().FullName;
        var first = Train(run, stopAfter: 3); // the last checkpoint is at step 2
        var second = Train(run, resume: true);
        Assert.Equal(uninterrupted.Take(3), first);
        Assert.Equal(uninterrupted.Skip(2), second);
    }
}
