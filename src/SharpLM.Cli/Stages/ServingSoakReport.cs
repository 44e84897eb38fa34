using System.Text.Json;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Reports;
using SharpLM.Serving;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm bench soak`: concurrent streaming clients with random disconnects and slow readers against a running
/// server for some minutes; writes soak.json and soak-rss.png (the server's resident memory over time) and fails
/// when the server answered any 5xx or still had requests running at the end.
/// </summary>
public static class ServingSoakReport
{
    public static int Run(Uri url, string? apiKey, string modelDirectory, int clients, double minutes, int? serverProcess, string outDirectory, int seed)
    {
        var config = Core.Models.Folder.ModelFolder.Open(modelDirectory).Config;
        Display.Info($"{url}: {clients} clients for {minutes:0.##} minutes; prompts of 1 to 400 random tokens, 1 to 64 generated; 15% of streams dropped, 15% read slowly");
        var result = Display.Progress("soak", minutes * 60, sink => ServingSoak.RunAsync(url, apiKey, config.VocabSize, config.MaxPositionEmbeddings, clients,
            TimeSpan.FromMinutes(minutes), serverProcess, seed,
            new Progress<SoakSample>(s => sink.Report(s.Seconds, $"RSS {s.ResidentMegabytes:F0} MiB, {s.RunningRequests} running"))).GetAwaiter().GetResult());

        Directory.CreateDirectory(outDirectory);
        string json = Path.Combine(outDirectory, "soak.json"), chart = Path.Combine(outDirectory, "soak-rss.png");
        Core.IO.AtomicFile.WriteAllText(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        var points = result.Samples.Where(s => double.IsFinite(s.ResidentMegabytes)).Select(s => (s.Seconds, s.ResidentMegabytes)).ToList();
        new LineChart().Save(chart, $"sharplm serve under {clients} clients with faults", "seconds", "resident memory (MiB)",
            [new ChartSeries("server RSS", ChartPalette.Series(0), points)]);

        var table = new Table().AddColumns("requests", "completed", "dropped", "slow readers", "statuses", "5xx", "connection errors", "running at end", "peak RSS (MiB)");
        table.AddRow($"{result.Requests}", $"{result.Completed}", $"{result.Disconnected}", $"{result.SlowReaders}",
            string.Join(" ", result.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}:{s.Value}")), $"{result.ServerErrors}", $"{result.ClientErrors}",
            $"{result.RunningAtEnd}", $"{result.PeakResidentMegabytes:F0}");
        AnsiConsole.Write(table);
        Display.Info($"wrote {json} and {chart}");
        bool healthy = result.ServerErrors == 0 && result.RunningAtEnd == 0;
        Display.Info(healthy ? "healthy: no 5xx, no request left running" : "UNHEALTHY: the server answered 5xx or left requests running");
        return healthy ? 0 : 1;
    }
}
