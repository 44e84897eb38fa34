using SharpLM.Core;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;

namespace SharpLM.Training.Tests;

public class ResumeTests
{
    private static CausalLanguageModel NewModel(PretrainConfig config)
    {
        var model = CausalLanguageModel.Create(config.Model.ToConfig(TinyCorpus.Tokenizer.VocabularySize, TinyCorpus.Tokenizer.EndOfTextId, "test"));
        model.InitializeWeights(config.Training.Seed);
        return model;
    }

    private static List<double> Train(PretrainConfig config, string? runDirectory, bool resume = false, int? stopAfter = null)
    {
        using var model = NewModel(config);
        using var train = new TokenShardReader(TinyCorpus.TrainShard);
        var losses = new List<double>();
        using var stop = new CancellationTokenSource();
        new Pretrainer(model, config).Run(train, null, runDirectory, onStep: r =>
        {
            losses.Add(r.Loss);
            if (r.Step == stopAfter) stop.Cancel();
        }, resume: resume, cancellation: stop.Token);
        return losses;
    }

    [Fact]
    public void A_resumed_run_reproduces_the_uninterrupted_loss_curve_exactly()
    {
        var config = TinyCorpus.Config(steps: 12, checkpointInterval: 4);
        var uninterrupted = Train(config, Directory.CreateTempSubdirectory().FullName);

        string run = Directory.CreateTempSubdirectory().FullName;
        var firstPart = Train(config, run, stopAfter: 6); // "killed" after step 6; the last checkpoint is at step 4
        Assert.Equal(6, firstPart.Count);
        var secondPart = Train(config, run, resume: true);

        Assert.Equal(8, secondPart.Count); // steps 5..12
        Assert.Equal(uninterrupted.Take(6), firstPart);
        Assert.Equal(uninterrupted.Skip(4), secondPart);
    }

    [Fact]
    public void Only_the_newest_checkpoints_are_kept()
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        Train(TinyCorpus.Config(steps: 9, checkpointInterval: 2, keep: 2), run);
        Assert.Equal(new[] { "step-00000008", "step-00000009" }, TrainingCheckpoint.List(run).Select(Path.GetFileName));
        Assert.Empty(Directory.GetDirectories(TrainingCheckpoint.DirectoryFor(run), ".*"));
    }

    [Fact]
    public void Resuming_with_a_different_training_setting_names_the_field_and_changes_nothing()
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        Train(TinyCorpus.Config(steps: 4, checkpointInterval: 4), run);
        string checkpoint = TrainingCheckpoint.Latest(run)!;
        var before = Directory.GetFiles(checkpoint).ToDictionary(f => f, File.ReadAllBytes);

        var changed = TinyCorpus.Config(steps: 8, checkpointInterval: 4);
        changed = changed with { Training = changed.Training with { LearningRate = 5e-3 } };
        var error = Assert.Throws<SharpLMException>(() => Train(changed, run, resume: true));
        Assert.Equal($"{checkpoint}: training field 'learning_rate' differs from the checkpoint's; resume with the same value or start a new run folder.", error.Message);
        foreach (var (file, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(file));

        // More steps is a legitimate change: training continues.
        Assert.Equal(4, Train(TinyCorpus.Config(steps: 8, checkpointInterval: 4), run, resume: true).Count);
    }

    [Fact]
    public void A_corrupt_checkpoint_is_reported_by_file()
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        Train(TinyCorpus.Config(steps: 2, checkpointInterval: 2), run);
        string optimizerFile = Path.Combine(TrainingCheckpoint.Latest(run)!, "optimizer.safetensors");
        File.WriteAllBytes(optimizerFile, File.ReadAllBytes(optimizerFile)[..^16]);
        var error = Assert.Throws<SharpLMException>(() => Train(TinyCorpus.Config(steps: 4, checkpointInterval: 2), run, resume: true));
        Assert.StartsWith($"{optimizerFile}: not a valid safetensors file", error.Message);
    }

    [Fact]
    public void Resuming_without_a_checkpoint_says_so()
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        var error = Assert.Throws<SharpLMException>(() => Train(TinyCorpus.Config(steps: 2), run, resume: true));
        Assert.Equal($"{TrainingCheckpoint.DirectoryFor(run)}: no checkpoint to resume from.", error.Message);
    }

    [Fact]
    public void Asking_for_cuda_on_the_cpu_build_explains_the_package_switch()
    {
        var config = TinyCorpus.Config(steps: 1);
        config = config with { Training = config.Training with { Device = "cuda" } };
        using var model = NewModel(TinyCorpus.Config(steps: 1));
        var error = Assert.Throws<SharpLMException>(() => new Pretrainer(model, config));
        Assert.StartsWith("device 'cuda' was requested but CUDA is not available", error.Message);
        Assert.Contains("TorchSharp-cuda-linux", error.Message);
        var unknown = Assert.Throws<SharpLMException>(() => new Pretrainer(model, config with { Training = config.Training with { Device = "tpu" } }));
        Assert.Equal("device 'tpu' is not one of cpu, cuda, cuda:N.", unknown.Message);
    }
}
