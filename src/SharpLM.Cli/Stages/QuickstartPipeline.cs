using System.Diagnostics;
using System.Globalization;
using System.Text;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.IO;
using SharpLM.Core.Runs;
using SharpLM.Data.Ingest;
using SharpLM.Data.Pipeline;
using SharpLM.Data.Sources;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Training.Evaluation;
using SharpLM.Inference.Generation;
using SharpLM.Synthesis;
using SharpLM.Training.Pretraining;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

public sealed record QuickstartOptions(string OutputDirectory, int? Steps, int VocabularySize, long Seed, string Prompt, int SampleTokens);

/// <summary>
/// The whole life cycle on the default corpus, stage by stage, in one run folder: data pipeline (fetch, clean,
/// filter, dedup, PII, split) → train tokenizer → encode shards → pretrain → evaluate and sample. Each stage is the same code its own verb runs.
/// </summary>
public sealed partial class QuickstartPipeline(QuickstartOptions options)
{
    /// <summary>The model and schedule the quickstart trains; sized to finish in a few minutes on two cores.</summary>
    public static PretrainConfig DefaultConfig { get; } = new()
    {
        Model = new ModelShape { HiddenSize = 192, Layers = 4, Heads = 4, MaxPositions = 256 },
        Training = new PretrainOptions { Steps = 700, BatchSize = 16, SequenceLength = 128, LearningRate = 3e-3, WarmupSteps = 30, EvalInterval = 100 },
    };

    /// <summary>Where the quickstart writes its task data, relative to the run folder; the data pipeline reads the fact documents from it.</summary>
    private const string TaskDataFolder = "post-training/data";

    /// <summary>
    /// The data the quickstart trains on: Moby Dick, the State of the Union addresses and the task data's paragraphs on
    /// the state capitals (so the base knows what the held-out capitals task asks) through the full data pipeline.
    /// C4's line rules are off: they target web pages, and on these books and speeches (a paragraph per line) they would
    /// remove the blank lines between paragraphs and every paragraph ending in ':', '—' or ')' (speech, stage directions).
    /// </summary>
    public static DataPipelineConfig DataConfig { get; } = new()
    {
        Sources =
        [
            new SourceSpec { Name = "moby-dick", Inputs = ["npm:moby-dick"], License = StdlibDataset.MobyDick.License },
            new SourceSpec { Name = "sotu", Inputs = ["npm:sotu"], License = StdlibDataset.StateOfTheUnion.License },
            new SourceSpec
            {
                Name = CapitalFactDocuments.SourceName, Inputs = [TaskDataWriter.FactPath(TaskDataFolder).Replace('\\', '/')],
                License = UsStateCapitals.License, Format = "jsonl",
            },
        ],
        Filters = new FiltersConfig { C4 = null },
        Split = new SplitConfig { ValidationFraction = 0.05 },
        Output = new OutputConfig { ShardDocuments = 1000 },
        Canaries = Canaries,
    };

    private readonly List<(string Stage, TimeSpan Time, string Result)> _stages = new();

    public int Run()
    {
        var run = new RunFolder(options.OutputDirectory);
        using var claim = run.Lock();
        using var metrics = new MetricsWriter(run.Metrics, append: false);
        var config = DefaultConfig with
        {
            Training = DefaultConfig.Training with { Steps = options.Steps ?? DefaultConfig.Training.Steps, Seed = options.Seed },
        };
        WriteRunJson(run, config);

        // Task data first: the pretraining corpus takes its fact documents.
        var taskData = Stage("synthesise task data", metrics,
            () => TaskDataStage.Write(Path.Combine(run.Root, TaskDataFolder), new SynthOptions(unchecked((int)options.Seed), PostTrainingExamples)),
            d => $"{d.TrainExamples} train / {d.HeldOutExamples} held-out examples, {d.Contaminated} overlapping dropped");
        var data = new PipelineFolder(run.DataDirectory);
        var prepared = Stage("data pipeline", metrics,
            () => DataPipelineStage.Run(DataConfig, new DataPipelineRunOptions { BaseDirectory = run.Root, OutputDirectory = data.Root, Restart = true }),
            m => $"{m.Total.DocumentsIn} documents in, {m.Total.DocumentsOut} out ({m.Drops.Values.Sum()} dropped), {m.Total.BytesOut / 1e6:F1} MB");
        var tokenizer = Stage("train tokenizer", metrics,
            () => TokenizerStage.Train(data.ShardsOf("train"), run.TokenizerJson, new BpeTrainerOptions { VocabularySize = options.VocabularySize }),
            t => $"{t.VocabularySize} tokens, {t.Merges.Count} merges");
        var encoded = Stage("encode shards", metrics,
            () => TokenizerStage.EncodeSplit(tokenizer, data.ShardsOf("train"), data.ShardsOf("validation"), run.TrainShard, run.ValidationShard),
            r => $"{r.TrainTokens:N0} train / {r.ValidationTokens:N0} val tokens");
        var trained = Stage("pretrain", metrics, () => PretrainStage.Run(config, tokenizer, run.TrainShard, run.ValidationShard, run, metrics),
            r => $"val loss {r.Summary.FinalValidationLoss:F3} vs unigram {r.UnigramEntropy:F3}, {r.Summary.MeanTokensPerSecond:F0} tok/s");
        var (perplexity, sample) = Stage("evaluate + sample", metrics, () => Evaluate(run),
            r => $"perplexity {r.Perplexity.Perplexity:F1}");
        var post = PostTrain(run, metrics, config, taskData);
        var safety = RedTeamChatModel(run, metrics, run.ModelDirectory, post.ChatModel,
            Path.Combine(post.Data.Directory, TaskDataWriter.HeldOutFolder, TaskDataWriter.ProbeFile));
        var canaries = MeasureCanaries(run, metrics, post.ChatModel, safety.Directory);

        Report(run, prepared, tokenizer, encoded, trained, perplexity, sample, config);
        ReportPostTraining(run, post);
        ReportSafety(run, safety, canaries, post);
        return 0;
    }

    private (PerplexityResult Perplexity, string Sample) Evaluate(RunFolder run)
    {
        // Reload from disk: this checks that the saved Hugging Face folder is complete and self-sufficient.
        PerplexityResult perplexity;
        var (model, _) = ModelLoader.Open(run.ModelDirectory);
        using (model)
        using (var validation = new TokenShardReader(run.ValidationShard))
            perplexity = EvalStage.Perplexity(model, validation, context: null, maxTokens: 100_000);
        var sampling = new SamplingOptions { MaxNewTokens = options.SampleTokens, Temperature = 0.8, TopK = 40, Seed = options.Seed };
        var (sample, _) = TextGeneration.Generate(run.ModelDirectory, options.Prompt, sampling);
        return (perplexity, sample);
    }

    private T Stage<T>(string name, MetricsWriter metrics, Func<T> work, Func<T, string> describe)
    {
        Display.Heading(name);
        var clock = Stopwatch.StartNew();
        var result = work();
        string description = describe(result);
        _stages.Add((name, clock.Elapsed, description));
        metrics.Write("stage", new Dictionary<string, object?> { ["stage"] = name, ["seconds"] = clock.Elapsed.TotalSeconds, ["result"] = description });
        return result;
    }

    private void WriteRunJson(RunFolder run, PretrainConfig config)
    {
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["command"] = "quickstart",
            ["started_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["vocabulary_size"] = options.VocabularySize,
            ["seed"] = options.Seed,
            ["prompt"] = options.Prompt,
            ["pretrain"] = System.Text.Json.Nodes.JsonNode.Parse(config.ToJson()),
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
        };
        AtomicFile.WriteAllText(run.RunJson, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private void Report(RunFolder run, PipelineManifest data, BpeTokenizer tokenizer,
        Tokenizers.Corpus.CorpusEncodingResult encoded, PretrainResult trained, PerplexityResult perplexity, string sample, PretrainConfig config)
    {
        var s = trained.Summary;
        var table = new Table().Title("[bold]SharpLM quickstart[/]").AddColumn("stage").AddColumn(new TableColumn("time").RightAligned()).AddColumn("result");
        foreach (var (stage, time, result) in _stages) table.AddRow(Markup.Escape(stage), $"{time.TotalSeconds:F1} s", Markup.Escape(result));
        table.AddRow("[bold]total[/]", $"[bold]{_stages.Sum(x => x.Time.TotalSeconds):F1} s[/]", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"validation loss [bold]{s.FinalValidationLoss:F3}[/] nats/token vs unigram entropy [bold]{trained.UnigramEntropy:F3}[/]; " +
                               $"perplexity [bold]{perplexity.Perplexity:F2}[/]");
        AnsiConsole.MarkupLine($"training: {s.MeanTokensPerSecond:F0} tokens/s, {s.MeanAchievedGflops:F1} GFLOP/s = " +
                               $"{100 * s.MeanAchievedGflops / trained.MatmulCeilingGflops:F0}% of the {trained.MatmulCeilingGflops:F0} GFLOP/s matmul ceiling");
        AnsiConsole.Write(new Panel(Markup.Escape(options.Prompt + sample)).Header("sample").Expand());
        AnsiConsole.MarkupLine($"run folder: [link]{Markup.Escape(run.Root)}[/] (model in model/, metrics in metrics.jsonl, report in report.md)");

        var md = new StringBuilder();
        md.AppendLine("# SharpLM quickstart report").AppendLine();
        md.AppendLine($"Run at {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores.").AppendLine();
        md.AppendLine("## Stages").AppendLine().AppendLine("| stage | seconds | result |").AppendLine("|---|---:|---|");
        foreach (var (stage, time, result) in _stages) md.AppendLine($"| {stage} | {time.TotalSeconds:F1} | {result} |");
        md.AppendLine($"| total | {_stages.Sum(x => x.Time.TotalSeconds):F1} | |").AppendLine();
        md.AppendLine("## Data").AppendLine();
        md.AppendLine($"- {data.Total.DocumentsIn} documents read (Moby Dick chapters, State of the Union addresses, paragraphs on the state capitals), {data.Total.DocumentsOut} written " +
                      $"({data.Total.TrainDocuments} train, {data.Total.ValidationDocuments} validation); dropped: " +
                      (data.Drops.Count == 0 ? "none" : string.Join(", ", data.Drops.Select(d => $"{d.Value} by {d.Key}"))) +
                      $"; PII replaced: {(data.Pii.Count == 0 ? "none" : string.Join(", ", data.Pii.Select(p => $"{p.Value} {p.Key}")))} (data/manifest.json).");
        md.AppendLine($"- Tokenizer: byte-level BPE, {tokenizer.VocabularySize} tokens, {tokenizer.Merges.Count} merges.");
        md.AppendLine($"- Shards: {encoded.TrainTokens:N0} training and {encoded.ValidationTokens:N0} validation tokens, {encoded.Bytes / (double)(encoded.TrainTokens + encoded.ValidationTokens):F2} bytes per token.").AppendLine();
        md.AppendLine("## Model and training").AppendLine();
        md.AppendLine($"- Llama-style decoder, {trained.Parameters / 1e6:F2}M parameters: hidden {config.Model.HiddenSize}, {config.Model.Layers} layers, {config.Model.Heads} heads, context {config.Model.MaxPositions}.");
        md.AppendLine($"- {s.Steps} steps × {config.Training.BatchSize} × {config.Training.SequenceLength} tokens = {s.TokensSeen:N0} tokens in {s.Elapsed.TotalSeconds:F0} s.");
        md.AppendLine($"- Final training loss {s.FinalLoss:F3}, validation loss {s.FinalValidationLoss:F3} nats/token; unigram entropy of the validation tokens {trained.UnigramEntropy:F3} nats/token.");
        md.AppendLine($"- Validation perplexity {perplexity.Perplexity:F2} over {perplexity.Tokens:N0} tokens (windows of {config.Model.MaxPositions}).");
        if (File.Exists(run.LossCurve)) md.AppendLine().AppendLine("![training and validation loss](loss.png)").AppendLine();
        md.AppendLine($"- Throughput {s.MeanTokensPerSecond:F0} tokens/s; {s.FlopsPerToken / 1e6:F1} MFLOP per token → {s.MeanAchievedGflops:F1} GFLOP/s, " +
                      $"{100 * s.MeanAchievedGflops / trained.MatmulCeilingGflops:F0}% of the {trained.MatmulCeilingGflops:F0} GFLOP/s float32 matmul ceiling measured in this run.").AppendLine();
        md.AppendLine("## Sample").AppendLine();
        md.AppendLine($"Prompt `{options.Prompt}`, temperature 0.8, top-k 40, seed {options.Seed}:").AppendLine();
        md.AppendLine("> " + (options.Prompt + sample).Replace("\n", "\n> ")).AppendLine();
        AtomicFile.WriteAllText(run.Report, md.ToString());
    }
}
