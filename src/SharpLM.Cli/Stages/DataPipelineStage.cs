using SharpLM.Cli.Terminal;
using SharpLM.Data.Pipeline;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>Runs the data pipeline with a progress bar and prints its summary: per source, per drop rule, PII, contamination, problems.</summary>
public static class DataPipelineStage
{
    public static PipelineManifest Run(DataPipelineConfig config, DataPipelineRunOptions options)
    {
        Display.Info($"data pipeline: {config.Sources.Count} source(s) → {Path.GetFullPath(options.OutputDirectory)} on {options.Threads} thread(s)");
        var manifest = Display.Progress("processing documents", 1.0, sink =>
            new DataPipeline(config, options, new ImmediateProgress<PipelineProgress>(p => sink.Report(
                p.TotalBytes == 0 ? 0 : (double)p.BytesRead / p.TotalBytes,
                $"{p.DocumentsRead:N0} read, {p.DocumentsWritten:N0} written {p.Source}"))).Run());
        PrintSummary(manifest);
        return manifest;
    }

    public static void PrintSummary(PipelineManifest manifest)
    {
        var sources = new Table().Title("[bold]data pipeline[/]").AddColumn("source")
            .AddColumn(new TableColumn("docs in").RightAligned()).AddColumn(new TableColumn("MB in").RightAligned())
            .AddColumn(new TableColumn("kept").RightAligned()).AddColumn(new TableColumn("mix rate").RightAligned())
            .AddColumn(new TableColumn("docs out").RightAligned()).AddColumn(new TableColumn("MB out").RightAligned())
            .AddColumn(new TableColumn("train / val").RightAligned());
        void Row(string name, SourceTally t, string rate) => sources.AddRow(Markup.Escape(name), $"{t.DocumentsIn:N0}", $"{t.BytesIn / 1e6:F1}",
            $"{t.DocumentsKept:N0}", rate, $"{t.DocumentsOut:N0}", $"{t.BytesOut / 1e6:F1}", $"{t.TrainDocuments:N0} / {t.ValidationDocuments:N0}");
        foreach (var (name, tally) in manifest.Sources) Row(name, tally, manifest.MixingRates.TryGetValue(name, out double r) ? $"{r:F2}" : "");
        Row("total", manifest.Total, "");
        AnsiConsole.Write(sources);

        var details = new Table().AddColumn("what").AddColumn(new TableColumn("count").RightAligned());
        foreach (var (rule, count) in manifest.Drops) details.AddRow($"dropped: {Markup.Escape(rule)}", $"{count:N0}");
        foreach (var (rule, count) in manifest.Lines) details.AddRow($"lines: {Markup.Escape(rule)}", $"{count:N0}");
        if (manifest.BoilerplateLinesRemoved > 0) details.AddRow("boilerplate lines removed", $"{manifest.BoilerplateLinesRemoved:N0}");
        details.AddRow("near-duplicate clusters", $"{manifest.NearDuplicateClusters:N0}");
        foreach (var (type, count) in manifest.Pii) details.AddRow($"PII replaced: {Markup.Escape(type)}", $"{count:N0}");
        if (manifest.Contamination.Count > 0) details.AddRow("evaluation items leaked", $"{manifest.Contamination.Count:N0}");
        foreach (var (kind, count) in manifest.Problems) details.AddRow($"input problem: {Markup.Escape(kind)}", $"{count:N0}");
        AnsiConsole.Write(details);
        if (!manifest.Complete) Display.Info("stopped before the end of the input; run the same command again to resume.");
    }
}
