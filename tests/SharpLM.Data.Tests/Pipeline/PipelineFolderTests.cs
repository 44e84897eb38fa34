using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Data.Pipeline;

namespace SharpLM.Data.Tests.Pipeline;

/// <summary>The output folder belongs to one run at a time, and --restart removes only what the pipeline wrote.</summary>
public class PipelineFolderTests
{
    private static PipelineManifest Run(DataPipelineConfig config, string baseDirectory, string output, bool restart = false) =>
        new DataPipeline(config, new DataPipelineRunOptions { BaseDirectory = baseDirectory, OutputDirectory = output, Threads = 2, Restart = restart }).Run();

    /// <summary>Output lines without their ingestion time, which differs between runs.</summary>
    private static List<string> Lines(string output) =>
        PipelineFixture.OutputLines(output).Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"ingested_at\":\"[^\"]*\"", "")).ToList();

    [Fact]
    public void Restart_deletes_the_runs_files_and_keeps_the_users()
    {
        string dir = Directory.CreateTempSubdirectory("sharplm-pipeline-").FullName;
        PipelineFixture.WriteJsonl(dir, "books", 120, seed: 3);
        var config = PipelineFixture.Config(("books", "books.jsonl"));
        string output = Path.Combine(dir, "out");
        var first = Run(config, dir, output);
        var expected = Lines(output);

        var folder = new PipelineFolder(output);
        string[] users =
        [
            Path.Combine(folder.ShardDirectory, "README.md"), Path.Combine(folder.ShardDirectory, "train-notes.txt"),
            Path.Combine(folder.StateDirectory, "keep.json"), Path.Combine(output, "notes.txt"),
        ];
        foreach (string file in users) File.WriteAllText(file, "mine");
        string stale = folder.Shard(PipelineFolder.ShardName("train", 999, gzip: false)); // a shard of an earlier, longer run
        File.WriteAllText(stale, "{}\n");

        var again = Run(config, dir, output, restart: true);
        Assert.Equal(first.Total.DocumentsOut, again.Total.DocumentsOut);
        Assert.Equal(expected, Lines(output));
        Assert.False(File.Exists(stale));
        foreach (string file in users) Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public void A_second_run_on_a_claimed_folder_is_refused_before_writing()
    {
        string dir = Directory.CreateTempSubdirectory("sharplm-pipeline-").FullName;
        PipelineFixture.WriteJsonl(dir, "books", 60, seed: 4);
        string output = Path.Combine(dir, "out");
        using (FolderLock.Acquire(output))
        {
            var error = Assert.Throws<SharpLMException>(() => Run(PipelineFixture.Config(("books", "books.jsonl")), dir, output));
            Assert.StartsWith($"{output}: another sharplm process is writing to this folder (pid {Environment.ProcessId} ", error.Message);
            Assert.False(Directory.Exists(Path.Combine(output, "shards")));
        }
        Assert.True(Run(PipelineFixture.Config(("books", "books.jsonl")), dir, output).Complete);
    }
}
