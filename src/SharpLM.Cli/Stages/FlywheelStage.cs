using SharpLM.Cli.Terminal;
using SharpLM.Core.Runs;
using SharpLM.Feedback.Flywheel;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>Runs a flywheel build with a progress bar, prints what was kept and dropped, and appends a flywheel_build metrics record.</summary>
public static class FlywheelStage
{
    public static void Build(FlywheelOptions options, string? metricsPath)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var manifest = Display.Progress("flywheel build", 1, sink =>
            FlywheelBuilder.Build(options, new ImmediateProgress<FlywheelProgress>(p =>
                sink.Report(p.Total == 0 ? 0 : (double)p.Done / p.Total, $"{p.Stage} {p.Done:N0}/{p.Total:N0}"))));
        var table = new Table().AddColumns(["output", "candidates", "written", .. FlywheelBuilder.DropReasons]);
        foreach (var (file, counts) in manifest.Outputs)
            table.AddRow([file, $"{counts.Candidates:N0}", $"{counts.Written:N0}", .. FlywheelBuilder.DropReasons.Select(r => $"{counts.Dropped[r]:N0}")]);
        AnsiConsole.Write(table);
        Display.Info($"{manifest.Capture.Feedback:N0} feedback rows ({manifest.Capture.Ratings:N0} ratings, {manifest.Capture.Pairwise:N0} pairwise, "
            + $"{manifest.Capture.TiesSkipped:N0} ties skipped) → {options.OutputDirectory}");

        using var metrics = new MetricsWriter(metricsPath ?? Path.TrimEndingDirectorySeparator(options.OutputDirectory) + ".metrics.jsonl");
        var values = new Dictionary<string, object?>
        {
            ["db"] = options.CaptureDatabase, ["out"] = options.OutputDirectory, ["seed"] = options.Seed, ["feedback"] = manifest.Capture.Feedback,
            ["seconds"] = started.Elapsed.TotalSeconds,
        };
        foreach (var (file, counts) in manifest.Outputs)
        {
            string name = Path.GetFileNameWithoutExtension(file);
            values[$"{name}_candidates"] = counts.Candidates;
            values[$"{name}_written"] = counts.Written;
            foreach (var (reason, count) in counts.Dropped) values[$"{name}_{reason}"] = count;
        }
        metrics.Write("flywheel_build", values);
    }
}
