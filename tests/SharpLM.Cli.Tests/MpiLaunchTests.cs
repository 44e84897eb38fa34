using System.Diagnostics;
using System.Text.Json;
using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.Cli.Tests;

/// <summary>
/// Real processes under Open MPI's mpirun on loopback (shared memory): the all-reduce bench checks its sums, and
/// two pretraining ranks with half the batch each end with the weights of one process with the whole batch.
/// Skipped, saying so, only where mpirun is not installed (.ci/run installs it).
/// </summary>
public class MpiLaunchTests
{
    private static readonly string? MpiRun = new[] { "/usr/bin/mpirun", "/usr/local/bin/mpirun" }.FirstOrDefault(File.Exists);

    /// <summary>Skips a test, with the reason, where Open MPI is not installed.</summary>
    public sealed class MpiFactAttribute : FactAttribute
    {
        public MpiFactAttribute()
        {
            if (MpiRun is null) Skip = "mpirun is not installed (Debian: apt-get install openmpi-bin libopenmpi-dev; .ci/run does it)";
        }
    }

    private static CliProcess.Result Launch(int ranks, params string[] arguments) => LaunchEach(Enumerable.Repeat(arguments, ranks).ToArray());

    /// <summary>One rank per argument list (mpirun's "A : B" form), so ranks can be given different inputs.</summary>
    private static CliProcess.Result LaunchEach(params string[][] perRank)
    {
        var start = new ProcessStartInfo(MpiRun!) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--allow-run-as-root");
        start.ArgumentList.Add("--oversubscribe");
        foreach (string argument in new[] { "--mca", "btl", "self,vader", "-x", "NO_COLOR=1" }) start.ArgumentList.Add(argument);
        for (int rank = 0; rank < perRank.Length; rank++)
        {
            if (rank > 0) start.ArgumentList.Add(":");
            foreach (string argument in new[] { "-np", "1", "dotnet", Path.Combine(AppContext.BaseDirectory, "sharplm.dll") }.Concat(perRank[rank]))
                start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) process.Kill(entireProcessTree: true);
        return new CliProcess.Result(process.ExitCode, output, error.Result);
    }

    private static string Describe(CliProcess.Result result) => $"exit {result.ExitCode}\nstdout:\n{result.Output}\nstderr:\n{result.Error}";

    [MpiFact]
    public void The_all_reduce_bench_sums_correctly_over_two_ranks()
    {
        var result = Launch(2, "bench", "allreduce", "--floats", "1000", "70000", "--iterations", "2");
        Assert.True(result.ExitCode == 0, Describe(result));
        Assert.Contains("over 2 rank(s) (Open MPI)", result.Output);
        Assert.Equal(2, result.Output.Split('\n').Count(l => l.EndsWith("verified", StringComparison.Ordinal)));
    }

    [MpiFact]
    public void Two_ranks_with_half_the_batch_each_train_the_weights_of_one_process()
    {
        string dir = CliProcess.TempDirectory();
        var (tokenizer, train) = TinyShard(dir);
        string config = Path.Combine(dir, "tiny.json");
        File.WriteAllText(config, """
            {"model": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "max_position_embeddings": 32},
             "training": {"steps": 4, "batch_size": 4, "gradient_accumulation": 2, "sequence_length": 16, "warmup_steps": 1,
                          "checkpoint_interval": 2, "threads": 1}}
            """);
        string[] common = ["pretrain", "--train", train, "--tokenizer", tokenizer, "--config", config];
        var single = CliProcess.Run([.. common, "--out", Path.Combine(dir, "one")]);
        Assert.True(single.ExitCode == 0, Describe(single));
        var two = Launch(2, [.. common, "--out", Path.Combine(dir, "two")]);
        Assert.True(two.ExitCode == 0, Describe(two));
        Assert.Contains("rank 1 of 2", two.Output);

        using var expected = new SafetensorsReader(Path.Combine(dir, "one", "model", "model.safetensors"));
        using var actual = new SafetensorsReader(Path.Combine(dir, "two", "model", "model.safetensors"));
        foreach (var tensor in expected.Tensors)
        {
            float[] a = expected.ReadFloat32(tensor.Name), b = actual.ReadFloat32(tensor.Name);
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-4, $"{tensor.Name}[{i}]: {a[i]} vs {b[i]}");
        }
        // Rank 0 alone wrote the metrics: one record per step, with the all-reduce time.
        var steps = File.ReadAllLines(Path.Combine(dir, "two", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("allreduce_seconds", out var s) && s.ValueKind == JsonValueKind.Number).ToList();
        Assert.Equal(4, steps.Count);

        // Ranks that disagree on the data stop with one sentence instead of training on different corpora.
        string otherDir = Directory.CreateDirectory(Path.Combine(dir, "other")).FullName;
        var encoded = CliProcess.Run("tokenizer", "encode-corpus", "--tokenizer", tokenizer, "--in", Path.Combine(dir, "docs.jsonl"), "--out-dir", otherDir, "--val-fraction", "0.4");
        Assert.True(encoded.ExitCode == 0, Describe(encoded));
        string[] bad = ["pretrain", "--tokenizer", tokenizer, "--config", config, "--out", Path.Combine(dir, "bad"), "--train"];
        var mismatch = LaunchEach([.. bad, train], [.. bad, Path.Combine(otherDir, "train.tok")]);
        Assert.True(mismatch.ExitCode != 0, Describe(mismatch));
        Assert.True(mismatch.Error.Contains("sharplm: error: rank ") && mismatch.Error.Contains("1 of 2 ranks have a different pretrain config or training shard"), Describe(mismatch));
    }

    [MpiFact]
    public void Two_ranks_with_sharded_optimizer_state_train_the_weights_of_one_process_holding_half_the_moments_each()
    {
        string dir = CliProcess.TempDirectory();
        var (tokenizer, train) = TinyShard(dir);
        string config = Path.Combine(dir, "tiny.json");
        File.WriteAllText(config, """
            {"model": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "max_position_embeddings": 32},
             "training": {"steps": 4, "batch_size": 4, "sequence_length": 16, "warmup_steps": 1, "checkpoint_interval": 2, "threads": 1}}
            """);
        string[] common = ["pretrain", "--train", train, "--tokenizer", tokenizer, "--config", config];
        var single = CliProcess.Run([.. common, "--out", Path.Combine(dir, "one")]);
        Assert.True(single.ExitCode == 0, Describe(single));
        var two = Launch(2, [.. common, "--out", Path.Combine(dir, "zero"), "--zero", "1"]);
        Assert.True(two.ExitCode == 0, Describe(two));

        using var expected = new SafetensorsReader(Path.Combine(dir, "one", "model", "model.safetensors"));
        using var actual = new SafetensorsReader(Path.Combine(dir, "zero", "model", "model.safetensors"));
        long parameters = 0;
        foreach (var tensor in expected.Tensors)
        {
            float[] a = expected.ReadFloat32(tensor.Name), b = actual.ReadFloat32(tensor.Name);
            parameters += a.Length;
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-4, $"{tensor.Name}[{i}]: {a[i]} vs {b[i]}");
        }
        var optimizer = File.ReadAllLines(Path.Combine(dir, "zero", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("event").GetString() == "optimizer");
        Assert.Equal(1, optimizer.GetProperty("zero_stage").GetInt32());
        // Two moments of float32 for half the parameters (rounded up).
        Assert.Equal(2 * 4 * ((parameters + 1) / 2), optimizer.GetProperty("state_bytes_per_rank").GetInt64());
        // The checkpoint holds every parameter's moments, gathered from both ranks.
        using var moments = new SafetensorsReader(Path.Combine(Checkpoints(Path.Combine(dir, "zero")).Last(), "optimizer.safetensors"));
        Assert.Equal(2 * parameters, moments.Tensors.Sum(t => t.Shape.Aggregate(1L, (x, y) => x * y)));
    }

    private static string[] Checkpoints(string run) => Directory.GetDirectories(Path.Combine(run, "checkpoints")).Order().ToArray();

    /// <summary>A tokenizer and a training shard from generated text, through the CLI's own verbs.</summary>
    private static (string Tokenizer, string Train) TinyShard(string dir)
    {
        string documents = Path.Combine(dir, "docs.jsonl");
        var random = new Random(11);
        string[] words = ["whale", "sea", "ship", "captain", "harpoon", "storm", "crew", "deck"];
        File.WriteAllLines(documents, Enumerable.Range(0, 60).Select(i => JsonSerializer.Serialize(new
        {
            id = $"d{i}", text = string.Join(" ", Enumerable.Range(0, 40).Select(_ => words[random.Next(words.Length)])) + ".", source = "generated", license = "CC0-1.0",
        })));
        string tokenizer = Path.Combine(dir, "tokenizer.json");
        var trained = CliProcess.Run("tokenizer", "train", "--in", documents, "--out", tokenizer, "--vocab-size", "300");
        Assert.True(trained.ExitCode == 0, Describe(trained));
        var encoded = CliProcess.Run("tokenizer", "encode-corpus", "--tokenizer", tokenizer, "--in", documents, "--out-dir", dir, "--val-fraction", "0.2");
        Assert.True(encoded.ExitCode == 0, Describe(encoded));
        return (tokenizer, Path.Combine(dir, "train.tok"));
    }
}
