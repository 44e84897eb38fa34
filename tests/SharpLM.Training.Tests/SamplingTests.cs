using SharpLM.Core;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;

namespace SharpLM.Training.Tests;

public class SamplingTests
{
    [Fact]
    public void Document_start_windows_begin_exactly_at_documents()
    {
        using var shard = new TokenShardReader(TinyCorpus.TrainShard);
        var starts = Enumerable.Range(0, (int)shard.DocumentCount).Select(i => shard.DocumentStart(i)).ToList();
        var sampler = new TokenWindowSampler(shard, 16, seed: 3, documentStarts: true);
        var (inputs, _) = sampler.Batch(step: 7, microBatch: 0, batchSize: 32);
        var all = new long[shard.TokenCount];
        shard.Read(0, all);
        for (int row = 0; row < 32; row++)
        {
            long first = inputs[row, 0].item<long>(), second = inputs[row, 1].item<long>();
            // Find the window in the shard: it must sit at a document start (or be clamped to the shard's end).
            Assert.Contains(starts.Concat([shard.TokenCount - 17]), s => all[s] == first && all[s + 1] == second);
        }
    }

    [Fact]
    public void The_same_step_gives_the_same_batch_and_different_steps_differ()
    {
        using var shard = new TokenShardReader(TinyCorpus.TrainShard);
        var sampler = new TokenWindowSampler(shard, 16, seed: 3);
        var (a, _) = sampler.Batch(5, 0, 4);
        var (b, _) = new TokenWindowSampler(shard, 16, seed: 3).Batch(5, 0, 4);
        var (c, _) = sampler.Batch(6, 0, 4);
        Assert.Equal(a.data<long>().ToArray(), b.data<long>().ToArray());
        Assert.NotEqual(a.data<long>().ToArray(), c.data<long>().ToArray());
    }

    [Fact]
    public void A_curriculum_grows_the_window_at_the_given_steps()
    {
        var options = new PretrainOptions { SequenceLength = 32, SequenceLengthSchedule = [[0, 8], [10, 16], [20, 32]] };
        options.Validate("test");
        Assert.Equal(new[] { 8, 8, 16, 16, 32, 32 }, new[] { 0, 9, 10, 19, 20, 99 }.Select(options.SequenceLengthAt));

        var config = TinyCorpus.Config(steps: 6);
        config = config with { Training = config.Training with { SequenceLengthSchedule = [[0, 4], [3, 16]], Sampling = "document_start" } };
        using var model = CausalLanguageModel.Create(config.Model.ToConfig(TinyCorpus.Tokenizer.VocabularySize, TinyCorpus.Tokenizer.EndOfTextId, "test"));
        model.InitializeWeights(1);
        using var train = new TokenShardReader(TinyCorpus.TrainShard);
        var summary = new Pretrainer(model, config).Run(train, null);
        Assert.Equal(3 * 4 * 4 + 3 * 4 * 16, summary.TokensSeen); // batch 4: three steps of 4 tokens, three of 16
    }

    [Theory]
    [InlineData("[[5, 8], [2, 16]]", "must start after the previous entry")]
    [InlineData("[[0, 64]]", "with 1 < length ≤ sequence_length (16)")]
    public void Bad_curricula_name_the_entry(string schedule, string expected)
    {
        var options = new PretrainOptions { SequenceLength = 16, SequenceLengthSchedule = System.Text.Json.JsonSerializer.Deserialize<int[][]>(schedule)! };
        var error = Assert.Throws<SharpLMException>(() => options.Validate("c.json"));
        Assert.Contains("sequence_length_schedule[", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
