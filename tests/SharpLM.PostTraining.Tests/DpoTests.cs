using SharpLM.Core;
using SharpLM.PostTraining.Preference;
using SharpLM.PostTraining.Sft;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

public class DpoTests
{
    private static readonly DpoOptions Options = new() { MaxLength = 64, ValidationFraction = 0.25, Seed = 9, Beta = 0.1 };

    [Fact]
    public void Engine_reference_logps_equal_torchsharp_logps_of_the_same_weights()
    {
        var data = PreferenceFixture.Data();
        var engine = PreferenceFixture.EngineLogps(data);
        var pairs = data.All.ToList();
        using var model = ChatFixture.Model();
        model.eval();
        using var _ = no_grad();
        // Every side padded into one batch: padding must not change a sequence's log-probability.
        var sides = pairs.Select(p => p.Chosen).Concat(pairs.Select(p => p.Rejected)).ToList();
        using var batch = SftBatch.Build(sides, Enumerable.Range(0, sides.Count).Select(i => new[] { i }), CPU);
        var (sums, counts) = batch.RowLogProbabilities(model);
        var torchSums = sums.data<float>().ToArray();
        var torchCounts = counts.data<long>().ToArray();
        for (int i = 0; i < pairs.Count; i++)
        {
            Near(torchSums[i], engine[i].Chosen, 1e-4);
            Near(torchSums[pairs.Count + i], engine[i].Rejected, 1e-4);
            Assert.Equal(torchCounts[i], engine[i].ChosenTokens);
            Assert.Equal(torchCounts[pairs.Count + i], engine[i].RejectedTokens);
            Assert.True(engine[i].Chosen < 0 && engine[i].ChosenTokens > 0);
        }
    }

    [Fact]
    public void Completion_tokens_are_the_assistant_answer_and_its_turn_end_only()
    {
        var pair = PreferenceFixture.Data().Train[0];
        var scored = pair.Chosen.Targets.Where((_, i) => pair.Chosen.Supervised[i]).ToArray();
        string text = ChatFixture.Tokenizer.Decode(scored[..^1]);
        Assert.Matches(@"^\w+ \w+ \w+\.$", text); // "Stubb greets Ahab." and nothing of the prompt
        Assert.Equal(ChatFixture.Template.TurnEndId, scored[^1]);
    }

    [Fact]
    public void A_dpo_step_on_a_hand_computed_example()
    {
        var data = PreferenceFixture.Data();
        var engine = PreferenceFixture.EngineLogps(data);
        using var model = ChatFixture.Model();
        model.eval();
        var pairs = data.Train.Take(3).ToList();
        var reference = engine.Take(3).ToList();

        // The policy is the reference: every log-ratio is 0, so the loss is ln 2 and every reward 0.
        var objective = new DpoObjective(data, engine, Options, batchSize: 3, evalBatches: 1);
        using (no_grad())
        {
            var (loss, metrics, _) = objective.Loss(model, pairs, reference, CPU);
            Near(Math.Log(2), loss.item<float>(), 1e-5);
            Near(0, metrics["rewards/margins"], 1e-5); // (accuracy here is decided by float rounding between engine and libtorch)
            Near(reference.Average(r => r.Chosen), metrics["logps/chosen"], 1e-4);
            Near(reference.Average(r => r.Rejected), metrics["logps/rejected"], 1e-4);

            // A reference one nat below on chosen and one above on rejected: Δ = 2, loss ln(1 + e^−0.2), rewards ±0.1.
            var shifted = reference.Select(r => r with { Chosen = r.Chosen - 1, Rejected = r.Rejected + 1 }).ToList();
            (loss, metrics, _) = objective.Loss(model, pairs, shifted, CPU);
            Near(Math.Log(1 + Math.Exp(-0.2)), loss.item<float>(), 1e-5);
            Near(0.1, metrics["rewards/chosen"], 1e-5);
            Near(-0.1, metrics["rewards/rejected"], 1e-5);
            Near(1, metrics["rewards/accuracies"], 0);
        }

        // At Δ = 0 the gradient of mean(−log σ(βΔ)) is −β·σ(0) = −0.05 times the gradient of mean(Δ), parameter by parameter.
        var parameters = model.parameters().ToList();
        model.zero_grad();
        var (chosen, rejected) = SideSums(model, pairs);
        (chosen - rejected).mean().backward();
        var deltaGrads = parameters.Select(p => p.grad!.clone()).ToList();
        model.zero_grad();
        objective.Loss(model, pairs, reference, CPU).Loss.backward();
        for (int i = 0; i < parameters.Count; i++)
            Assert.True(allclose(parameters[i].grad!, deltaGrads[i] * -0.05, rtol: 1e-3, atol: 1e-7), $"parameter {i}");
    }

    private static (Tensor Chosen, Tensor Rejected) SideSums(Training.Modeling.CausalLanguageModel model, List<TokenizedPair> pairs)
    {
        var sides = pairs.Select(p => p.Chosen).Concat(pairs.Select(p => p.Rejected)).ToList();
        using var batch = SftBatch.Build(sides, Enumerable.Range(0, sides.Count).Select(i => new[] { i }), CPU);
        var (sums, _) = batch.RowLogProbabilities(model);
        return (sums[..pairs.Count], sums[pairs.Count..]);
    }

    /// <param name="learningRate">1e-2 moves weights; virtual tokens of a random model need far larger steps (PEFT uses 3e-2 on trained ones).</param>
    private static PretrainConfig Config(int steps, double learningRate = 1e-2) => new()
    {
        Training = new PretrainOptions
        {
            Steps = steps, BatchSize = 3, SequenceLength = 64, LearningRate = learningRate, WarmupSteps = 1, EvalInterval = 3,
            EvalBatches = 2, CheckpointInterval = 4, WeightDecay = 0,
        },
    };

    private static (List<double> Losses, List<double> Accuracies) Train(string run, string mode, bool resume = false, int? stopAfter = null,
        Action<CausalLanguageModel>? after = null)
    {
        var options = Options with
        {
            Lora = mode == "lora" ? new Lora.LoraOptions { Rank = 4, Alpha = 8, Dropout = 0.1 } : null,
            PromptTuning = mode == "prompt" ? new PromptTuning.PromptTuningOptions { VirtualTokens = 4 } : null,
        };
        var data = PreferenceFixture.Data(options.SequenceLength);
        string cache = Path.Combine(run, ReferenceLogps.FileName);
        if (!resume) ReferenceLogps.Write(cache, data.Identity.Fingerprint, "fixture", data.All.Select(p => p.Line).ToList(), PreferenceFixture.EngineLogps(data));
        var reference = ReferenceLogps.Read(cache, data.Identity.Fingerprint, data.Train.Count + data.Validation.Count);
        using var model = ChatFixture.Model();
        using var adapters = options.Lora is { } lora ? new Lora.LoraAdapters(model, lora, options.Seed) : null;
        using var prompt = options.PromptTuning is { } promptOptions ? PromptTuning.PromptEmbedding.Create(model, promptOptions, ChatFixture.Tokenizer, options.Seed) : null;
        ITrainableWeights weights = (ITrainableWeights?)adapters ?? (ITrainableWeights?)prompt ?? new WholeModel(model);
        var config = Config(10, mode == "prompt" ? 0.5 : 1e-2);
        var objective = new DpoObjective(data, reference, options, config.Training.BatchSize, config.Training.EvalBatches, adapters, prompt);
        var losses = new List<double>();
        var accuracies = new List<double>();
        InterruptedRun.Run(model, config, objective, weights, run, resume, stopAfter, r =>
        {
            losses.Add(r.Loss);
            Assert.Equal(r.Loss, objective.StepMetrics["loss"], 1e-9);
            if (r.ValidationLoss is not null) accuracies.Add(objective.ValidationMetrics!["eval_rewards/accuracies"]);
        });
        after?.Invoke(model);
        return (losses, accuracies);
    }

    public static TheoryData<string> Modes => new() { "full", "lora", "prompt" };

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_killed_and_resumed_dpo_run_reproduces_the_uninterrupted_run_exactly(string mode)
    {
        var (uninterrupted, accuracies) = Train(Directory.CreateTempSubdirectory().FullName, mode);
        Assert.True(uninterrupted[^1] < uninterrupted[0], $"the loss falls: {string.Join(", ", uninterrupted)}");
        // A random fixture model barely reads its input, so ten steps of virtual tokens move the loss but not yet the held-out ranking.
        if (mode != "prompt") Assert.True(accuracies[^1] > 0.5, $"held-out preference accuracy {accuracies[^1]}");

        string run = Directory.CreateTempSubdirectory().FullName;
        var (first, _) = Train(run, mode, stopAfter: 6); // the last checkpoint is at step 4
        var (second, _) = Train(run, mode, resume: true);
        Assert.Equal(uninterrupted.Take(6), first);
        Assert.Equal(uninterrupted.Skip(4), second);
    }

    [Fact]
    public void Prompt_tuned_dpo_trains_only_the_virtual_tokens_and_starts_away_from_the_reference()
    {
        using var untouched = ChatFixture.Model();
        var before = untouched.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        bool compared = false;
        Train(Directory.CreateTempSubdirectory().FullName, "prompt", after: model =>
        {
            foreach (var (name, parameter) in model.named_parameters())
                Assert.True(parameter.detach().equal(before[name]).all().item<bool>(), $"{name} changed: the base is frozen under prompt tuning");
            compared = true;
        });
        Assert.True(compared);

        // The reference is the model without the virtual tokens, so random virtual tokens already move the policy from it.
        var options = Options with { PromptTuning = new PromptTuning.PromptTuningOptions { VirtualTokens = 4 } };
        var data = PreferenceFixture.Data(options.SequenceLength);
        using var model = ChatFixture.Model();
        using var prompt = PromptTuning.PromptEmbedding.Create(model, options.PromptTuning, ChatFixture.Tokenizer, options.Seed);
        var objective = new DpoObjective(data, PreferenceFixture.EngineLogps(data), options, 3, 2, prompt: prompt);
        using (no_grad()) objective.ValidationLoss(model, CPU);
        // Engine and libtorch agree within 1e-4 nats a sequence (a reward of 1e-5 at beta 0.1); the virtual tokens move it ten times that.
        Assert.True(Math.Abs(objective.ValidationMetrics!["eval_rewards/chosen"]) > 1e-4, $"the policy with virtual tokens differs from the reference: {objective.ValidationMetrics!["eval_rewards/chosen"]}");
    }

    [Fact]
    public void A_bad_preference_line_names_the_file_line_and_field()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "prefs.jsonl");
        File.WriteAllLines(path, [
            """{"prompt": "Whom does Ahab call?", "chosen": "Ahab calls Stubb.", "rejected": "Stubb fears Ahab."}""",
            "",
            """{"prompt": "Whom does Stubb greet?", "chosen": 5, "rejected": "Ahab calls Stubb."}""",
        ]);
        var error = Assert.Throws<SharpLMException>(() => PreferenceData.Load(path, ChatFixture.Template, 64, 0.25));
        Assert.StartsWith($"{path}:3: field 'chosen'", error.Message);
    }

    [Fact]
    public void A_reference_cache_for_other_data_is_refused()
    {
        var data = PreferenceFixture.Data();
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, ReferenceLogps.FileName);
        var logps = data.All.Select((_, i) => new PairLogps(-i - 0.125, -i - 1.5, 3, 4)).ToList();
        ReferenceLogps.Write(path, data.Identity.Fingerprint, "m", data.All.Select(p => p.Line).ToList(), logps);
        Assert.Equal(logps, ReferenceLogps.Read(path, data.Identity.Fingerprint, logps.Count));
        var error = Assert.Throws<SharpLMException>(() => ReferenceLogps.Read(path, "0123", logps.Count));
        Assert.Contains($"{path}:1: field 'data_fingerprint'", error.Message);
    }
}
