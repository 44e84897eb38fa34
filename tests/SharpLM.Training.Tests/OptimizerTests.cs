using SharpLM.Training.Modeling;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Pretraining;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

public class OptimizerTests
{
    /// <summary>Our AdamW against TorchSharp's AdamW (PyTorch's algorithm), with and without decay groups.</summary>
    [Fact]
    public void AdamW_matches_TorchSharps_implementation_step_by_step()
    {
        using var ours = Tiny.Model(seed: 4);
        using var reference = Tiny.Model(seed: 4);
        var decay = reference.named_parameters().Where(p => Pretrainer.DecaysWeight(reference, p.name, p.parameter)).Select(p => p.parameter).ToList();
        var noDecay = reference.named_parameters().Where(p => !Pretrainer.DecaysWeight(reference, p.name, p.parameter)).Select(p => p.parameter).ToList();
        using var referenceOptimizer = optim.AdamW([
            new AdamW.ParamGroup(decay, lr: 3e-3, beta1: 0.9, beta2: 0.95, weight_decay: 0.1),
            new AdamW.ParamGroup(noDecay, lr: 3e-3, beta1: 0.9, beta2: 0.95, weight_decay: 0),
        ], lr: 3e-3);
        using var optimizer = new AdamWOptimizer(ours.named_parameters(), (n, p) => Pretrainer.DecaysWeight(ours, n, p), 0.9, 0.95, 1e-8, 0.1);

        manual_seed(9);
        for (int step = 0; step < 5; step++)
        {
            using var tokens = randint(50, [2, 8], dtype: ScalarType.Int64);
            foreach (var (model, update) in new (Modeling.LlamaForCausalLM, Action)[] { (ours, () => optimizer.Step(3e-3)), (reference, () => referenceOptimizer.step()) })
            {
                model.zero_grad();
                using var logits = model.forward(tokens);
                using var loss = nn.functional.cross_entropy(logits.view(-1, 50), tokens.view(-1));
                loss.backward();
                update();
            }
        }
        var expected = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in ours.named_parameters())
            Assert.True(allclose(parameter, expected[name], rtol: 1e-5, atol: 1e-6), $"{name} drifted from the reference");
    }

    [Fact]
    public void A_tiny_model_overfits_a_single_batch()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "one.tok");
        using (var writer = new TokenShardWriter(path, 320))
        {
            writer.AddDocument(Enumerable.Range(0, 17).Select(i => (i * 37) % 300).ToArray()); // exactly one window of 16 + 1
            writer.Complete();
        }
        var config = TinyCorpus.Config(steps: 150);
        config = config with { Training = config.Training with { LearningRate = 1e-2, WarmupSteps = 5, Schedule = ScheduleShape.Constant, WeightDecay = 0 } };
        using var model = CausalLanguageModel.Create(config.Model.ToConfig(320, null, "test"));
        model.InitializeWeights(1);
        using var shard = new TokenShardReader(path);
        var summary = new Pretrainer(model, config).Run(shard, null);
        Assert.True(summary.FinalLoss < 0.05, $"final loss {summary.FinalLoss}");
    }

    [Theory]
    [InlineData(ScheduleShape.Cosine, 0.55)]
    [InlineData(ScheduleShape.Linear, 0.55)]
    [InlineData(ScheduleShape.Constant, 1.0)]
    public void Schedules_share_warmup_and_reach_their_floor(ScheduleShape shape, double midpoint)
    {
        var schedule = new LearningRateSchedule(1.0, 10, 111, 0.1, shape);
        Assert.Equal(0.5, schedule.At(4), 12);
        Assert.Equal(midpoint, schedule.At(60), 12);
        Assert.Equal(shape == ScheduleShape.Constant ? 1.0 : 0.1, schedule.At(110), 12);
        if (shape == ScheduleShape.Linear) Assert.Equal(0.1 + 0.9 * 0.75, schedule.At(35), 12);
    }
}
