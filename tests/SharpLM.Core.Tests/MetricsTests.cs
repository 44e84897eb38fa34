using System.Text.Json;
using SharpLM.Core.Reports;
using SharpLM.Core.Runs;

namespace SharpLM.Core.Tests;

public class MetricsTests
{
    private static Dictionary<string, object?> Step(int step, double loss) => new() { ["step"] = step, ["loss"] = loss };

    [Fact]
    public void A_torn_last_line_is_skipped_and_reported_and_appending_starts_a_new_line()
    {
        using var dir = new TempDirectory();
        string path = dir.File("metrics.jsonl");
        using (var metrics = new MetricsWriter(path)) metrics.Write("train_step", Step(1, 5.0));
        File.AppendAllText(path, """{"event":"train_step","time":"2026-01-01T00:00:00Z","step":2,"lo"""); // killed mid-write

        var skipped = new List<int>();
        Assert.Single(MetricsReader.Read(path, skipped: skipped.Add));
        Assert.Equal([2], skipped);

        using (var metrics = new MetricsWriter(path)) metrics.Write("resume", new Dictionary<string, object?> { ["step"] = 1 });
        skipped.Clear();
        var events = MetricsReader.Read(path, skipped: skipped.Add).Select(r => r.GetProperty("event").GetString()).ToList();
        Assert.Equal(["train_step", "resume"], events);
        Assert.Equal([2], skipped);
        Assert.True(LossCurve.Write(path, dir.File("loss.png")));
    }

    [Fact]
    public void Non_finite_values_are_written_as_strings_that_read_back()
    {
        using var dir = new TempDirectory();
        string path = dir.File("metrics.jsonl");
        using (var metrics = new MetricsWriter(path))
        {
            metrics.Write("train_step", new Dictionary<string, object?> { ["step"] = 1, ["loss"] = 4.0, ["grad_norm"] = double.PositiveInfinity, ["mfu"] = float.NaN });
            metrics.Write("train_step", new Dictionary<string, object?> { ["step"] = 2, ["loss"] = double.NegativeInfinity });
        }
        var records = MetricsReader.Read(path, "train_step").ToList();
        Assert.Equal(2, records.Count);
        Assert.Equal("Infinity", records[0].GetProperty("grad_norm").GetString());
        Assert.Equal("NaN", records[0].GetProperty("mfu").GetString());
        Assert.Equal(double.NegativeInfinity, records[1].GetProperty("loss").Deserialize<double>(new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        Assert.Null(MetricsReader.Number(records[1], "loss"));
        Assert.Equal(4.0, MetricsReader.Number(records[0], "loss"));
        Assert.True(LossCurve.Write(path, dir.File("loss.png"))); // the plot leaves out what it cannot draw
    }

    [Fact]
    public void Discarding_steps_after_a_checkpoint_keeps_each_step_once()
    {
        using var dir = new TempDirectory();
        string path = dir.File("metrics.jsonl");
        using (var metrics = new MetricsWriter(path))
        {
            metrics.Write("pretrain_start", new Dictionary<string, object?> { ["parameters"] = 10 });
            for (int step = 1; step <= 6; step++)
            {
                metrics.Write("train_step", Step(step, 10 - step));
                if (step % 4 == 0) metrics.Write("checkpoint", new Dictionary<string, object?> { ["step"] = step });
            }
        }
        File.AppendAllText(path, """{"event":"train_st""");

        using (var metrics = new MetricsWriter(path))
        {
            metrics.DiscardStepsAfter(4);
            metrics.Write("resume", new Dictionary<string, object?> { ["step"] = 4 });
            for (int step = 5; step <= 6; step++) metrics.Write("train_step", Step(step, 20 - step));
        }

        var skipped = new List<int>();
        var steps = MetricsReader.Read(path, "train_step", skipped.Add).Select(r => (r.GetProperty("step").GetInt32(), r.GetProperty("loss").GetDouble())).ToList();
        Assert.Equal([(1, 9.0), (2, 8.0), (3, 7.0), (4, 6.0), (5, 15.0), (6, 14.0)], steps);
        Assert.Empty(skipped);
        Assert.Equal(["pretrain_start", "train_step", "train_step", "train_step", "train_step", "checkpoint", "resume", "train_step", "train_step"],
            MetricsReader.Read(path).Select(r => r.GetProperty("event").GetString()));
    }
}
