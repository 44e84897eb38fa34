using SharpLM.Core.Formats.TokenShards;
using SharpLM.Inference;
using SharpLM.PostTraining.Distillation;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

public class DistillTests
{
    private static readonly DistillOptions Options = new() { TopK = 8, Temperature = 2, Alpha = 0.5 };

    private static PretrainConfig Config(int steps = 4) => new()
    {
        Training = new PretrainOptions
        {
            Steps = steps, BatchSize = 2, SequenceLength = 16, LearningRate = 3e-3, WarmupSteps = 1, EvalInterval = 2, EvalBatches = 1,
            CheckpointInterval = 2,
        },
    };

    [Fact]
    public void The_engine_teachers_top_k_equal_the_torchsharp_models_top_k_logits()
    {
        using var model = HfCheckpoint.Load(DistillFixture.Teacher);
        model.eval();
        using var shard = new TokenShardReader(DistillFixture.TrainShard);
        var (inputs, _) = new TokenWindowSampler(shard, 16, seed: 3).Batch(0, 0, 2);
        var teacher = new EngineTeacher(EngineModel.Load(DistillFixture.Teacher), threads: 1).Of(inputs.data<long>().ToArray(), 16, k: 8, temperature: 2);

        using var _ = no_grad();
        var logits = model.forward(inputs).view(32, -1);
        var (values, ids) = logits.topk(8, dim: -1);
        var logProbabilities = (logits / 2).log_softmax(-1);
        var torchValues = values.data<float>().ToArray();
        var torchIds = ids.data<long>().ToArray();
        var torchLogProbabilities = logProbabilities.data<float>().ToArray();
        int vocabulary = (int)logits.shape[1];
        Assert.Equal(32, teacher.Positions);
        for (int p = 0; p < 32; p++)
        {
            for (int j = 0; j < 8; j++)
            {
                Near(torchValues[p * 8 + j], teacher.Logits[p * 8 + j], 1e-4);
                // Ids agree unless two logits are within the engine's rounding of each other.
                if (j == 7 || torchValues[p * 8 + j] - torchValues[p * 8 + j + 1] > 1e-3) Assert.Equal(torchIds[p * 8 + j], teacher.Ids[p * 8 + j]);
                Near(torchLogProbabilities[p * vocabulary + teacher.Ids[p * 8 + j]], teacher.LogProbabilities[p * 8 + j], 1e-4);
            }
            double rest = Enumerable.Range(0, vocabulary).Where(i => !teacher.Ids.AsSpan(p * 8, 8).Contains(i))
                .Sum(i => Math.Exp(torchLogProbabilities[p * vocabulary + i]));
            Near(Math.Log(rest), teacher.RestLogProbability[p], 1e-4);
        }
    }

    [Fact]
    public void With_alpha_zero_a_run_is_pretraining_exactly()
    {
        using var train = new TokenShardReader(DistillFixture.TrainShard);
        using var validation = new TokenShardReader(DistillFixture.ValidationShard);
        var config = Config(steps: 3) with { Training = Config().Training with { Steps = 3, CheckpointInterval = 0 } };

        var pretrained = new List<TrainingStepReport>();
        using var plain = ChatFixture.Model();
        new Pretrainer(plain, config).Run(train, validation, onStep: pretrained.Add);

        var distilled = new List<TrainingStepReport>();
        var ceLosses = new List<double>();
        using var student = ChatFixture.Model();
        var objective = new DistillObjective(new TokenWindowObjective(train, validation, config.Training, trackData: false), teacher: null, Options with { Alpha = 0 });
        new Pretrainer(student, config).Run(objective, new WholeModel(student), onStep: r =>
        {
            distilled.Add(r);
            ceLosses.Add(objective.StepMetrics["ce_loss"]);
            Assert.False(objective.StepMetrics.ContainsKey("kd_loss"));
        });

        Assert.Equal(pretrained.Select(r => (r.Loss, r.GradientNorm, r.ValidationLoss)), distilled.Select(r => (r.Loss, r.GradientNorm, r.ValidationLoss)));
        Assert.Equal(pretrained.Select(r => r.Loss), ceLosses.Select(l => (double)(float)l));
        foreach (var ((name, a), (_, b)) in plain.named_parameters().Zip(student.named_parameters()))
            Assert.True(a.eq(b).all().item<bool>(), name);
    }

    private static List<(double Loss, double Kd, double Ce, double? Validation)> Train(string run, bool resume = false, int? stopAfter = null,
        DistillOptions? options = null)
    {
        using var train = new TokenShardReader(DistillFixture.TrainShard);
        using var validation = new TokenShardReader(DistillFixture.ValidationShard);
        var config = Config();
        using var student = ChatFixture.Model();
        var teacher = new EngineTeacher(EngineModel.Load(DistillFixture.Teacher), threads: 1);
        var objective = new DistillObjective(new TokenWindowObjective(train, validation, config.Training, trackData: true), teacher, options ?? Options);
        var steps = new List<(double, double, double, double?)>();
        InterruptedRun.Run(student, config, objective, new WholeModel(student), run, resume, stopAfter, r =>
        {
            steps.Add((r.Loss, objective.StepMetrics["kd_loss"], objective.StepMetrics["ce_loss"], r.ValidationLoss));
        });
        return steps;
    }

    [Fact]
    public void A_killed_and_resumed_distillation_run_reproduces_the_uninterrupted_run_exactly()
    {
        var uninterrupted = Train(Directory.CreateTempSubdirectory().FullName);
        Assert.Equal(4, uninterrupted.Count);
        Assert.All(uninterrupted, s => Assert.True(s.Kd > 0 && s.Ce > 0));
        Assert.All(uninterrupted, s => Near(0.5 * 4 * s.Kd + 0.5 * s.Ce, s.Loss, 1e-4));
        Assert.True(uninterrupted[^1].Kd < uninterrupted[0].Kd, "the student moves toward the teacher");

        string run = Directory.CreateTempSubdirectory().FullName;
        var first = Train(run, stopAfter: 3); // the last checkpoint is at step 2
        var refused = Assert.Throws<Core.SharpLMException>(() => Train(run, resume: true, options: Options with { Alpha = 0.7 }));
        Assert.Contains("\"alpha\":0.5", refused.Message);
        var second = Train(run, resume: true);
        Assert.Equal(uninterrupted.Take(3), first);
        Assert.Equal(uninterrupted.Skip(2), second);
    }
}
