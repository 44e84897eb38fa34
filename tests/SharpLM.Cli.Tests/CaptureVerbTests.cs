using System.Text.Json;
using SharpLM.Feedback.Capture;

namespace SharpLM.Cli.Tests;

/// <summary>`sharplm capture stats|delete` and `sharplm flywheel build` as processes, over a capture database written by the store.</summary>
public class CaptureVerbTests
{
    private static string Capture()
    {
        string path = Path.Combine(CliProcess.TempDirectory(), "capture.db");
        using var store = CaptureStore.Open(path, create: true);
        var prompt = new List<CapturedMessage> { new("user", "Name a sea creature.") };
        store.RecordExchange(new CapturedExchange("chatcmpl-1", "conv-1", "chat", "tiny", prompt, [new CapturedChoice("A whale.", "stop")], 5, 3), new CaptureIdentity(null, "alice"));
        store.RecordFeedback(new RatingFeedback("conv-1", "chatcmpl-1", "tiny", prompt, "A whale.", 1, null), new CaptureIdentity(null, "alice"));
        store.RecordFeedback(new RatingFeedback("conv-2", null, "tiny", prompt, "A rock.", -1, "A dolphin."), new CaptureIdentity(null, "bob"));
        return path;
    }

    [Fact]
    public void Stats_count_delete_removes_a_user_and_a_bad_call_exits_2()
    {
        string db = Capture();
        var stats = CliProcess.Run("capture", "stats", "--db", db, "--json");
        Assert.Equal(0, stats.ExitCode);
        var counts = JsonDocument.Parse(stats.Output).RootElement;
        Assert.Equal((2, 2, 2, 1, 1), (counts.GetProperty("conversations").GetInt32(), counts.GetProperty("messages").GetInt32(),
            counts.GetProperty("feedback").GetInt32(), counts.GetProperty("ratings_positive").GetInt32(), counts.GetProperty("corrections").GetInt32()));

        var deleted = CliProcess.Run("capture", "delete", "--db", db, "--user", "alice");
        Assert.Equal(0, deleted.ExitCode);
        Assert.Contains("1 conversations, 2 messages, 1 feedback rows", deleted.Output);
        using (var store = CaptureStore.Open(db, create: false)) Assert.Equal(new CaptureCounts(1, 0, 1), store.Count());

        var neither = CliProcess.Run("capture", "delete", "--db", db);
        Assert.Equal(2, neither.ExitCode);
        Assert.StartsWith("sharplm: error: give exactly one of --conversation ID and --user ID.", neither.Error);
        Assert.Equal(2, CliProcess.Run("capture", "stats", "--db", db + ".missing").ExitCode);
    }

    [Fact]
    public void Flywheel_build_writes_its_folder_and_metrics_and_refuses_a_bad_rating()
    {
        string db = Capture();
        string output = Path.Combine(CliProcess.TempDirectory(), "flywheel");
        var run = CliProcess.Run("flywheel", "build", "--db", db, "--out", output, "--seed", "3");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(output, "sft.jsonl")).Length);       // the liked answer and the correction
        Assert.Single(File.ReadAllLines(Path.Combine(output, "dpo.jsonl")));
        Assert.Single(File.ReadAllLines(Path.Combine(output, "failures.jsonl")));
        var metrics = JsonDocument.Parse(File.ReadAllLines(output + ".metrics.jsonl").Single()).RootElement;
        Assert.Equal("flywheel_build", metrics.GetProperty("event").GetString());
        Assert.Equal(2, metrics.GetProperty("sft_written").GetInt32());

        var bad = CliProcess.Run("flywheel", "build", "--db", db, "--out", output, "--min-rating", "2");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--min-rating", bad.Error);
    }
}
