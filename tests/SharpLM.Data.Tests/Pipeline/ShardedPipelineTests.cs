using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.Distributed;
using SharpLM.Data.Pipeline;

namespace SharpLM.Data.Tests.Pipeline;

public class ShardedPipelineTests
{
    /// <summary>
    /// Seven files in two sources with duplicates that cross every rank boundary for three ranks (files go to rank
    /// index mod 3): a1 near-copies a0, a2 repeats a0 exactly, a5 near-copies a3, and books repeats a4 — so a
    /// document of rank 0 (books) loses to one of rank 1 (a4), which only a merge in input order gets right.
    /// </summary>
    private static (string Directory, DataPipelineConfig Config) Corpus()
    {
        string dir = Directory.CreateTempSubdirectory("sharplm-sharded-").FullName;
        string web = Directory.CreateDirectory(Path.Combine(dir, "web")).FullName;
        PipelineFixture.WriteJsonl(web, "a0", 30, seed: 1, duplicateEvery: 7);
        PipelineFixture.WriteJsonl(web, "a1", 30, seed: 1, duplicateEvery: 7, extra: i => "Then the tide turned.");
        PipelineFixture.WriteJsonl(web, "a2", 30, seed: 1, duplicateEvery: 7);
        PipelineFixture.WriteJsonl(web, "a3", 30, seed: 2);
        PipelineFixture.WriteJsonl(web, "a4", 30, seed: 3, extra: i => $"Contact sailor{i}@example.com today.");
        PipelineFixture.WriteJsonl(web, "a5", 30, seed: 2, extra: i => "Then the tide turned.");
        PipelineFixture.WriteJsonl(dir, "books", 30, seed: 3, extra: i => $"Contact sailor{i}@example.com today.");
        var config = PipelineFixture.Config(("web", "web/*.jsonl"), ("books", "books.jsonl"));
        config = config with { Output = new OutputConfig { ShardDocuments = 20 } };
        return (dir, config);
    }

    private static PipelineManifest RunRank(DataPipelineConfig config, string dir, string output, int rank, int world) =>
        new DataPipeline(config, new DataPipelineRunOptions
        {
            BaseDirectory = dir, OutputDirectory = output, Threads = 2, Shard = new LaunchRank(rank, world),
        }).Run();

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public void Ranks_then_merge_keep_the_same_documents_as_one_process(int world)
    {
        var (dir, config) = Corpus();
        string single = Path.Combine(dir, "single"), sharded = Path.Combine(dir, "sharded");
        var expected = new DataPipeline(config, new DataPipelineRunOptions { BaseDirectory = dir, OutputDirectory = single, Threads = 2 }).Run();
        for (int rank = world - 1; rank >= 0; rank--) RunRank(config, dir, sharded, rank, world);
        var merged = new DataMerge(config, sharded).Run();

        var one = PipelineFixture.WithoutTimes(PipelineFixture.OutputLines(single)).Order(StringComparer.Ordinal).ToList();
        var many = PipelineFixture.WithoutTimes(PipelineFixture.OutputLines(sharded)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(one, many);
        Assert.True(expected.Drops.GetValueOrDefault("dedup.exact") >= 30, JsonSerializer.Serialize(expected.Drops));
        Assert.True(expected.Drops.GetValueOrDefault("dedup.near") >= 40, JsonSerializer.Serialize(expected.Drops));
        Assert.Equal(expected.Drops, merged.Drops);
        Assert.Equal(JsonSerializer.Serialize(expected.Sources), JsonSerializer.Serialize(merged.Sources));
        Assert.Equal(expected.Pii, merged.Pii);
        Assert.True(merged.Pii.Values.Sum() > 0);
        Assert.Equal(expected.NearDuplicateClusters, merged.NearDuplicateClusters);
        Assert.Equal(File.ReadAllLines(Path.Combine(single, "duplicates.jsonl")).Order(StringComparer.Ordinal),
                     File.ReadAllLines(Path.Combine(sharded, "duplicates.jsonl")).Order(StringComparer.Ordinal));
        // The merged folder is an ordinary pipeline folder for the tokenizer stage.
        Assert.NotEmpty(new PipelineFolder(sharded).ShardsOf("train"));
    }

    [Fact]
    public void A_finished_rank_is_skipped_on_rerun_and_the_merge_names_a_missing_rank()
    {
        var (dir, config) = Corpus();
        string output = Path.Combine(dir, "out");
        RunRank(config, dir, output, 0, 3);
        var folder = new PipelineFolder(output);
        string candidates = new PipelineFolder(folder.RankFolder(0)).Candidates(0);
        var written = File.GetLastWriteTimeUtc(candidates);
        File.SetLastWriteTimeUtc(candidates, written.AddHours(-1));
        RunRank(config, dir, output, 0, 3);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(candidates));

        RunRank(config, dir, output, 2, 3);
        var error = Assert.Throws<SharpLMException>(() => new DataMerge(config, output).Run());
        Assert.Contains(folder.CompletionMarker(1), error.Message);
        Assert.Contains("rank 1 of 3", error.Message);
    }

    [Fact]
    public void A_rank_folder_refuses_another_world_size()
    {
        var (dir, config) = Corpus();
        string output = Path.Combine(dir, "out");
        new DataPipeline(config, new DataPipelineRunOptions
        {
            BaseDirectory = dir, OutputDirectory = output, Threads = 1, Shard = new LaunchRank(1, 3), StopAfterChunks = 1,
        }).Run();
        var error = Assert.Throws<SharpLMException>(() => RunRank(config, dir, output, 1, 2));
        Assert.Contains("shard.json", error.Message);
        Assert.Contains("--world-size", error.Message);
    }
}
