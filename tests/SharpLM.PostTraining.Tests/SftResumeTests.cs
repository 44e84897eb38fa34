using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.PromptTuning;
using SharpLM.PostTraining.Sft;
using SharpLM.Training.Pretraining;

namespace SharpLM.PostTraining.Tests;

public class SftResumeTests
{
    private static readonly SftOptions Options = new() { MaxLength = 64, ValidationFraction = 0.1, Seed = 4 };

    private static PretrainConfig Config(int steps) => new()
    {
        Training = new PretrainOptions
        {
            Steps = steps, BatchSize = 2, SequenceLength = 64, LearningRate = 3e-3, WarmupSteps = 2, EvalInterval = 3,
            EvalBatches = 2, CheckpointInterval = 4, WeightDecay = 0,
        },
    };

    private static (List<double> Losses, List<double> Validation) Train(string run, LoraOptions? lora, bool resume = false, int? stopAfter = null,
        PromptTuningOptions? promptTuning = null, int[]? trainableTokens = null)
    {
        var options = Options with { Lora = lora, PromptTuning = promptTuning, TrainableTokens = trainableTokens };
        var data = SftData.Load(ChatFixture.ChatFile, ChatFixture.Template, options);
        using var model = ChatFixture.Model();
        using var rows = trainableTokens is null ? null : new Tokens.TrainableTokenRows(model, trainableTokens, besideLora: lora is not null);
        using var adapters = lora is null ? null : new LoraAdapters(model, lora, options.Seed);
        using var prompt = promptTuning is null ? null : PromptEmbedding.Create(model, promptTuning, ChatFixture.Tokenizer, options.Seed);
        ITrainableWeights weights = adapters is not null && rows is not null ? new CombinedWeights(adapters, rows)
            : (ITrainableWeights?)adapters ?? (ITrainableWeights?)prompt ?? (ITrainableWeights?)rows ?? new WholeModel(model);
        var config = Config(10);
        var objective = new SftObjective(data, options, config.Training.BatchSize, config.Training.EvalBatches, adapters, prompt);
        var losses = new List<double>();
        var validation = new List<double>();
        InterruptedRun.Run(model, config, objective, weights, run, resume, stopAfter, r =>
        {
            losses.Add(r.Loss);
            if (r.ValidationLoss is double v) validation.Add(v);
        });
        return (losses, validation);
    }

    public static TheoryData<string> Modes => new() { "full", "lora", "prompt", "tokens", "lora+tokens" };

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_killed_and_resumed_sft_run_reproduces_the_uninterrupted_run_exactly(string mode)
    {
        var adapter = mode.StartsWith("lora", StringComparison.Ordinal) ? new LoraOptions { Rank = 4, Alpha = 8, Dropout = 0.1 } : null;
        var prompt = mode == "prompt" ? new PromptTuningOptions { VirtualTokens = 4 } : null;
        // The chat template's two special tokens.
        int[]? tokens = mode.EndsWith("tokens", StringComparison.Ordinal)
            ? [ChatFixture.Tokenizer.Specials["<|im_start|>"], ChatFixture.Tokenizer.Specials["<|im_end|>"]] : null;
        var (uninterrupted, _) = Train(Directory.CreateTempSubdirectory().FullName, adapter, promptTuning: prompt, trainableTokens: tokens);
        // (Prompt tuning and two token rows alone on this near-uniform random model move the loss too little to
        // show across batches; PromptTuningTests and TrainableTokensTests check their gradients.)
        if (prompt is null && mode != "tokens") Assert.True(uninterrupted[^1] < uninterrupted[0], "the loss falls");

        string run = Directory.CreateTempSubdirectory().FullName;
        var (first, _) = Train(run, adapter, stopAfter: 6, promptTuning: prompt, trainableTokens: tokens); // the last checkpoint is at step 4
        var (second, _) = Train(run, adapter, resume: true, promptTuning: prompt, trainableTokens: tokens);
        Assert.Equal(uninterrupted.Take(6), first);
        Assert.Equal(uninterrupted.Skip(4), second);
    }

    [Fact]
    public void Resuming_with_other_sft_settings_is_refused_naming_them()
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        Train(run, null, stopAfter: 4);
        var error = Assert.Throws<Core.SharpLMException>(() => Train(run, new LoraOptions { Rank = 4 }, resume: true));
        Assert.Contains("objective settings", error.Message);
    }
}
