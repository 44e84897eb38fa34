using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.Runs;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;

namespace SharpLM.Training.Tests;

/// <summary>What a resume must refuse or repair: other data, a damaged trainer state, metrics logged twice.</summary>
public class ResumeSafetyTests
{
    private static int Train(PretrainConfig config, string run, string trainShard, bool resume = false, int? stopAfter = null, MetricsWriter? metrics = null)
    {
        using var model = CausalLanguageModel.Create(config.Model.ToConfig(TinyCorpus.Tokenizer.VocabularySize, TinyCorpus.Tokenizer.EndOfTextId, "test"));
        model.InitializeWeights(config.Training.Seed);
        using var train = new TokenShardReader(trainShard);
        using var stop = new CancellationTokenSource();
        int steps = 0;
        new Pretrainer(model, config).Run(train, null, run, metrics, r =>
        {
            steps++;
            if (r.Step == stopAfter) stop.Cancel();
        }, resume, stop.Token);
        return steps;
    }

    [Fact]
    public void Resuming_on_another_training_shard_is_refused_naming_both()
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        Train(TinyCorpus.Config(steps: 2, checkpointInterval: 2), run, TinyCorpus.TrainShard);
        string checkpoint = TrainingCheckpoint.Latest(run)!;

        var error = Assert.Throws<SharpLMException>(() => Train(TinyCorpus.Config(steps: 4, checkpointInterval: 2), run, TinyCorpus.ValidationShard, resume: true));
        Assert.StartsWith($"{checkpoint}: the training shard given ({Path.GetFullPath(TinyCorpus.ValidationShard)}: ", error.Message);
        Assert.Contains($"is not the one this run trained on ({Path.GetFullPath(TinyCorpus.TrainShard)}: ", error.Message);
        Assert.EndsWith("resume with the same --train shard or start a new run folder.", error.Message);

        // A copy of the same shard elsewhere is the same data.
        string copy = Path.Combine(Directory.CreateTempSubdirectory().FullName, "moved.tok");
        File.Copy(TinyCorpus.TrainShard, copy);
        Assert.Equal(2, Train(TinyCorpus.Config(steps: 4, checkpointInterval: 2), run, copy, resume: true));
    }

    [Theory]
    [InlineData("step", -3, "field 'step' is -3; a checkpoint is written after at least one step.")]
    [InlineData("step", 3, "field 'step' is 3 but the checkpoint folder is for step 2.")]
    [InlineData("tokens_seen", -1, "field 'tokens_seen' is -1; it must be positive.")]
    [InlineData("format", 7, "field 'format' is 7; this version reads format 1.")]
    public void A_damaged_trainer_state_names_the_field(string field, int value, string problem)
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        Train(TinyCorpus.Config(steps: 2, checkpointInterval: 2), run, TinyCorpus.TrainShard);
        string state = Path.Combine(TrainingCheckpoint.Latest(run)!, "trainer_state.json");
        var json = JsonNode.Parse(File.ReadAllText(state))!.AsObject();
        json[field] = value;
        File.WriteAllText(state, json.ToJsonString());

        var error = Assert.Throws<SharpLMException>(() => Train(TinyCorpus.Config(steps: 4, checkpointInterval: 2), run, TinyCorpus.TrainShard, resume: true));
        Assert.Equal($"{state}: {problem}", error.Message);
    }

    [Fact]
    public void A_trainer_state_with_an_invalid_config_names_the_config_field()
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        Train(TinyCorpus.Config(steps: 2, checkpointInterval: 2), run, TinyCorpus.TrainShard);
        string state = Path.Combine(TrainingCheckpoint.Latest(run)!, "trainer_state.json");
        var json = JsonNode.Parse(File.ReadAllText(state))!.AsObject();
        json["config"]!["training"]!["batch_size"] = 0;
        File.WriteAllText(state, json.ToJsonString());
        var error = Assert.Throws<SharpLMException>(() => TrainingCheckpoint.ReadState(TrainingCheckpoint.Latest(run)!));
        Assert.Equal($"{state} (section config.training): field 'batch_size' must be positive.", error.Message);
    }

    [Fact]
    public void A_resumed_run_logs_each_step_once()
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        string path = Path.Combine(run, "metrics.jsonl");
        var config = TinyCorpus.Config(steps: 8, checkpointInterval: 4);
        using (var metrics = new MetricsWriter(path)) Train(config, run, TinyCorpus.TrainShard, stopAfter: 6, metrics: metrics);
        using (var metrics = new MetricsWriter(path)) Assert.Equal(4, Train(config, run, TinyCorpus.TrainShard, resume: true, metrics: metrics));

        var steps = MetricsReader.Read(path, "train_step").Select(r => r.GetProperty("step").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 8), steps);
        var checkpoints = MetricsReader.Read(path, "checkpoint").Select(r => r.GetProperty("step").GetInt32()).ToList();
        Assert.Equal([4, 8], checkpoints);
        Assert.Equal(4, MetricsReader.Read(path, "resume").Single().GetProperty("step").GetInt32());
    }

    [Fact]
    public void A_checkpoint_interval_of_zero_writes_no_checkpoint_and_a_resume_says_so()
    {
        string run = Directory.CreateTempSubdirectory().FullName;
        Assert.Equal(3, Train(TinyCorpus.Config(steps: 3, checkpointInterval: 0), run, TinyCorpus.TrainShard));
        Assert.Empty(TrainingCheckpoint.List(run));
        var error = Assert.Throws<SharpLMException>(() => Train(TinyCorpus.Config(steps: 3), run, TinyCorpus.TrainShard, resume: true));
        Assert.Equal($"{TrainingCheckpoint.DirectoryFor(run)}: no checkpoint to resume from.", error.Message);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    [InlineData(double.NaN, "NaN")]
    public void A_non_finite_value_is_divergence_at_the_step_counted_from_one(double value, string shown)
    {
        var error = Assert.Throws<SharpLMException>(() => Pretrainer.RequireFinite(4, "gradient norm", value));
        Assert.Equal($"training diverged at step 5: the gradient norm is {shown}; lower learning_rate.", error.Message);
        Pretrainer.RequireFinite(4, "loss", 3.5);
    }
}
