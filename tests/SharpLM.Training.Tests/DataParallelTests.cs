using SharpLM.Core;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Distributed;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;

namespace SharpLM.Training.Tests;

/// <summary>
/// Data-parallel training with ranks as threads: W ranks with B/W rows each must follow the same trajectory as one
/// process with B rows (up to float summation order), whatever weights the other ranks started from.
/// </summary>
public class DataParallelTests
{
    private static PretrainConfig Config(int steps, int checkpointInterval = 0) => TinyCorpus.Config(steps, checkpointInterval) with
    {
        Training = TinyCorpus.Config(steps, checkpointInterval).Training with { GradientAccumulation = 2 },
    };

    private static CausalLanguageModel NewModel(PretrainConfig config, long seed)
    {
        var model = CausalLanguageModel.Create(config.Model.ToConfig(TinyCorpus.Tokenizer.VocabularySize, TinyCorpus.Tokenizer.EndOfTextId, "test"));
        model.InitializeWeights(seed);
        return model;
    }

    private static (float[] Parameters, List<double> Losses) Train(PretrainConfig config, GradientSynchronizer? dataParallel, long initSeed,
        string? runDirectory = null, bool resume = false, int? stopAfter = null)
    {
        using var model = NewModel(config, initSeed);
        using var train = new TokenShardReader(TinyCorpus.TrainShard);
        var losses = new List<double>();
        using var stop = new CancellationTokenSource();
        new Pretrainer(model, config) { DataParallel = dataParallel }.Run(train, null, runDirectory, onStep: r =>
        {
            losses.Add(r.Loss);
            if (r.Step == stopAfter) stop.Cancel();
        }, resume: resume, cancellation: stop.Token);
        var flat = model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
        return (flat, losses);
    }

    private static T[] OnRanks<T>(int world, Func<ICommunicator, T> action)
    {
        var communicators = InProcessGroup.Create(world);
        var results = new T[world];
        var errors = new Exception?[world];
        var threads = communicators.Select(c => new Thread(() =>
        {
            try { results[c.Rank] = action(c); }
            catch (Exception e) { errors[c.Rank] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (errors.FirstOrDefault(e => e is not null) is { } error) throw error;
        return results;
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < tolerance, $"largest parameter difference {worst:E2} exceeds {tolerance:E0}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Ranks_with_a_share_of_the_batch_each_match_one_process_with_the_whole_batch(int world)
    {
        var config = Config(steps: 6);
        var single = Train(config, null, initSeed: config.Training.Seed);
        // Rank r > 0 starts from other weights: the broadcast from rank 0 must make them irrelevant.
        var ranks = OnRanks(world, c => Train(config, new GradientSynchronizer(c), initSeed: config.Training.Seed + c.Rank));

        foreach (var (parameters, losses) in ranks)
        {
            AssertClose(single.Parameters, parameters, 1e-4);
            Assert.Equal(single.Losses.Count, losses.Count);
            for (int i = 0; i < losses.Count; i++) Assert.Equal(single.Losses[i], losses[i], 1e-4);
        }
        // Training moved the weights far more than the tolerance, so the check is not vacuous.
        using var untrained = NewModel(config, config.Training.Seed);
        var initial = untrained.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();
        Assert.True(initial.Zip(single.Parameters, (a, b) => Math.Abs(a - b)).Max() > 1e-2);
    }

    [Fact]
    public void A_run_checkpointed_by_one_process_resumes_on_two_ranks_to_the_same_weights()
    {
        var config = Config(steps: 8, checkpointInterval: 4);
        var uninterrupted = Train(config, null, config.Training.Seed);
        string run = Directory.CreateTempSubdirectory().FullName;
        Train(config, null, config.Training.Seed, run, stopAfter: 5); // stopped after step 5; the last checkpoint is at step 4
        var resumed = OnRanks(2, c => Train(config, new GradientSynchronizer(c), config.Training.Seed, run, resume: true));
        AssertClose(uninterrupted.Parameters, resumed[0].Parameters, 1e-4);
        Assert.Equal(4, resumed[0].Losses.Count);
        // Only rank 0 wrote the final checkpoint; there is one, at step 8.
        Assert.EndsWith("step-00000008", Checkpoints.TrainingCheckpoint.Latest(run));
    }

    [Fact]
    public void Ranks_that_disagree_on_the_config_all_stop_with_one_sentence()
    {
        var config = Config(steps: 2);
        var errors = new Exception?[2];
        var communicators = InProcessGroup.Create(2);
        var threads = communicators.Select(c => new Thread(() =>
        {
            var mine = c.Rank == 0 ? config : config with { Training = config.Training with { LearningRate = 0.5 } };
            try { Train(mine, new GradientSynchronizer(c), mine.Training.Seed); }
            catch (Exception e) { errors[c.Rank] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        foreach (var error in errors)
        {
            var sharp = Assert.IsType<SharpLMException>(error);
            Assert.Contains("1 of 2 ranks have a different pretrain config or training shard", sharp.Message);
        }
    }

    [Fact]
    public void A_global_batch_that_does_not_divide_among_the_ranks_is_named()
    {
        var config = Config(steps: 1);
        var error = Assert.Throws<SharpLMException>(() => OnRanks(3, c => Train(config, new GradientSynchronizer(c), config.Training.Seed)));
        Assert.Contains("'batch_size' (4)", error.Message);
        Assert.Contains("3 ranks", error.Message);
    }

    private static PretrainConfig Sharded(PretrainConfig config) => config with { Training = config.Training with { ZeroStage = 1 } };

    [Theory]
    [InlineData(2)]
    [InlineData(3)] // the flat parameter vector does not divide by 3: the last block is padded
    public void Sharded_optimizer_state_gives_the_weights_of_plain_data_parallel(int world)
    {
        var config = Config(steps: 6) with { Training = Config(steps: 6).Training with { BatchSize = 6 } };
        var plain = OnRanks(world, c => Train(config, new GradientSynchronizer(c), config.Training.Seed));
        var sharded = OnRanks(world, c => Train(Sharded(config), new GradientSynchronizer(c), config.Training.Seed + c.Rank));
        foreach (var (parameters, losses) in sharded)
        {
            AssertClose(plain[0].Parameters, parameters, 1e-5);
            for (int i = 0; i < losses.Count; i++) Assert.Equal(plain[0].Losses[i], losses[i], 1e-5);
        }
    }

    [Fact]
    public void Each_rank_holds_the_moments_of_its_share_of_the_parameters_only()
    {
        var config = Config(steps: 1);
        using var model = NewModel(config, 1);
        long parameters = model.parameters().Sum(p => p.numel());
        var elements = OnRanks(3, c =>
        {
            using var sharded = new ShardedAdamWOptimizer(model.named_parameters(), (n, p) => Pretrainer.DecaysWeight(model, n, p), c);
            return sharded.StateElements;
        });
        using var whole = new AdamWOptimizer(model.named_parameters(), (n, p) => Pretrainer.DecaysWeight(model, n, p));
        Assert.Equal(2 * parameters, whole.StateElements);
        long share = (parameters + 2) / 3;
        Assert.All(elements, e => Assert.Equal(2 * share, e));
        Assert.True(elements.Sum() < 2 * parameters + 6);
    }

    [Fact]
    public void A_parameter_without_a_gradient_keeps_its_values_across_every_rank_s_block_and_the_others_step_as_AdamW()
    {
        // Seven values over three ranks (blocks of three, the last padded): the frozen parameter spans two blocks.
        static (string, TorchSharp.Modules.Parameter)[] Parameters() =>
        [
            ("a", new TorchSharp.Modules.Parameter(TorchSharp.torch.tensor(new float[] { 1, 2 }))),
            ("frozen", new TorchSharp.Modules.Parameter(TorchSharp.torch.tensor(new float[] { 3, 4, 5 }))),
            ("b", new TorchSharp.Modules.Parameter(TorchSharp.torch.tensor(new float[] { 6, 7 }))),
        ];
        static void Gradients((string, TorchSharp.Modules.Parameter)[] parameters)
        {
            parameters[0].Item2.grad = TorchSharp.torch.tensor(new float[] { 0.5f, -1 });
            parameters[2].Item2.grad = TorchSharp.torch.tensor(new float[] { 2, -0.25f });
        }
        var reference = Parameters();
        using (var adamW = new AdamWOptimizer(reference, (_, _) => true, weightDecay: 0.1))
            for (int step = 0; step < 3; step++)
            {
                Gradients(reference);
                adamW.Step(0.01);
            }
        var sharded = OnRanks(3, c =>
        {
            var mine = Parameters();
            using var optimizer = new ShardedAdamWOptimizer(mine, (_, _) => true, c, weightDecay: 0.1);
            for (int step = 0; step < 3; step++)
            {
                Gradients(mine);
                optimizer.Step(0.01);
            }
            return mine.Select(p => p.Item2.data<float>().ToArray()).ToArray();
        });
        foreach (var values in sharded)
        {
            Assert.Equal([3f, 4f, 5f], values[1]);
            for (int i = 0; i < 3; i += 2)
                Assert.Equal(reference[i].Item2.data<float>().ToArray(), values[i]);
        }
        Assert.NotEqual([1f, 2f], sharded[0][0]);
    }

    [Fact]
    public void A_sharded_run_checkpoints_whole_moments_that_resume_in_one_process()
    {
        var config = Config(steps: 8, checkpointInterval: 4);
        var uninterrupted = Train(config, null, config.Training.Seed);
        string run = Directory.CreateTempSubdirectory().FullName;
        OnRanks(2, c => Train(Sharded(config), new GradientSynchronizer(c), config.Training.Seed, run, stopAfter: 5));
        // The checkpoint at step 4 holds every parameter's moments, so one process without sharding continues from it.
        var resumed = Train(config, null, config.Training.Seed, run, resume: true);
        AssertClose(uninterrupted.Parameters, resumed.Parameters, 1e-4);
        Assert.Equal(4, resumed.Losses.Count);
        Assert.EndsWith("step-00000008", Checkpoints.TrainingCheckpoint.Latest(run));
    }
}
