using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.PostTraining;
using SharpLM.Cli.Commands;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;
using SharpLM.Feedback.Flywheel;
using SharpLM.Flywheel.Promotion;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.Preference;
using SharpLM.PostTraining.Sft;
using SharpLM.Safety.Running;
using SharpLM.Training.Pretraining;
// The CLI has its own ModelScores (held-out evaluation); this one is the scorecard's.
using ResultsScores = SharpLM.Flywheel.Promotion.ModelScores;

namespace SharpLM.Cli.Stages;

/// <summary>What `flywheel run` trains with and judges by.</summary>
public sealed record FlywheelRunOptions(string Database, string Model, IReadOnlyList<string> Sealed, string Output, IReadOnlyList<string> TrainingData,
    int Seed, int SftSteps, int DpoSteps, int BatchSize, int LoraRank, int? Limit, double MaxRegression, int Threads,
    IReadOnlyList<string>? SafetyProbes = null, IReadOnlyList<string>? SafetyTransforms = null);

/// <summary>
/// One turn of the flywheel in one run folder: data (flywheel build) → sft (LoRA, when there is SFT data) → dpo (LoRA,
/// when there are preference pairs) → eval (old and new model on the sealed tasks and the failure set) → safety (the
/// red-team sample on old and new) → compare (the scorecard, safety included). A finished stage leaves OUT/&lt;stage&gt;.done; a rerun skips those stages, so a stopped run
/// resumes at the stage it was in (that stage starts over, except eval, whose request cache keeps its answers).
/// </summary>
public static class FlywheelRunStage
{
    public const string DataFolder = "data", SftFolder = "sft", DpoFolder = "dpo", EvalFolder = "eval", SafetyFolder = "safety", ScorecardFolder = "scorecard";
    private const string OldName = "old", NewName = "new";

    public static Scorecard Run(FlywheelRunOptions options)
    {
        // Task files are read before any work, so a bad --sealed costs nothing.
        var sealedTasks = TaskPaths.Expand(options.Sealed).Select(TaskConfig.Load).ToList();
        var safetySample = RedTeamSample.Load(options.SafetyProbes, options.SafetyTransforms);
        ModelFolder.Open(options.Model);
        Directory.CreateDirectory(options.Output);
        using var claim = FolderLock.Acquire(options.Output);
        using var metrics = new MetricsWriter(Path.Combine(options.Output, "metrics.jsonl"));
        string data = Path.Combine(options.Output, DataFolder);

        Stage(options, metrics, DataFolder, () => FlywheelStage.Build(new FlywheelOptions
        {
            CaptureDatabase = options.Database, OutputDirectory = data, TrainingData = options.TrainingData, SealedSets = SealedData(options.Sealed), Seed = options.Seed,
        }, null));
        string candidate = options.Model;
        string sftData = Path.Combine(data, FlywheelBuilder.SftFile), dpoData = Path.Combine(data, FlywheelBuilder.DpoFile);
        if (Lines(sftData) > 0)
        {
            string run = Path.Combine(options.Output, SftFolder);
            Stage(options, metrics, SftFolder, () => Sft(candidate, sftData, run, options));
            candidate = new RunFolder(run).ModelDirectory;
        }
        else Display.Info("sft: no SFT data in this turn; skipped");
        if (Lines(dpoData) > 0)
        {
            string run = Path.Combine(options.Output, DpoFolder), start = candidate;
            Stage(options, metrics, DpoFolder, () => Dpo(start, dpoData, run, options));
            candidate = new RunFolder(run).ModelDirectory;
        }
        else Display.Info("dpo: no preference pairs in this turn; skipped");

        string failuresTask = Path.Combine(data, FlywheelBuilder.FailuresTaskFile);
        var failures = Lines(Path.Combine(data, FlywheelBuilder.FailuresFile)) > 0 ? TaskConfig.Load(failuresTask) : null;
        var tasks = failures is null ? sealedTasks : [.. sealedTasks, failures];
        string eval = Path.Combine(options.Output, EvalFolder);
        string newModel = candidate;
        Stage(options, metrics, EvalFolder, () => EvaluationRunStage.Run(eval, [Target(OldName, options.Model, options.Threads), Target(NewName, newModel, options.Threads)], tasks,
            arguments => new EvaluationSettings(arguments, options.Limit, options.Seed, BootstrapIterations: 100)));

        // The red-team logs resume on their own, so a stopped safety stage keeps the answers it already has.
        string safety = Path.Combine(options.Output, SafetyFolder);
        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        Stage(options, metrics, SafetyFolder, () =>
        {
            safetySample.Run(options.Model, Path.Combine(safety, OldName), options.Seed, threads);
            safetySample.Run(newModel, Path.Combine(safety, NewName), options.Seed, threads);
        });

        Scorecard? card = null;
        Stage(options, metrics, ScorecardFolder, () =>
        {
            card = Decide(eval, safety, options, failures?.Name);
            ScorecardFiles.Write(Path.Combine(options.Output, ScorecardFolder), card, LatestResults(eval, OldName), LatestResults(eval, NewName));
        });
        return card ?? Decide(eval, safety, options, failures?.Name);
    }

    private static Scorecard Decide(string eval, string safety, FlywheelRunOptions options, string? failuresTask) =>
        PromotionRules.Decide(ResultsScores.Load(LatestResults(eval, OldName)), ResultsScores.Load(LatestResults(eval, NewName)),
            SafetyRates.Load(Path.Combine(safety, OldName, RedTeam.ResultsFile)), SafetyRates.Load(Path.Combine(safety, NewName, RedTeam.ResultsFile)),
            options.MaxRegression, failuresTask);

    /// <summary>Runs a stage unless its marker says it finished, then writes the marker and a metrics event.</summary>
    private static void Stage(FlywheelRunOptions options, MetricsWriter metrics, string name, Action work)
    {
        string marker = Path.Combine(options.Output, name + ".done");
        if (File.Exists(marker))
        {
            Display.Info($"{name}: finished earlier; skipped");
            metrics.Write("flywheel_stage", new Dictionary<string, object?> { ["stage"] = name, ["skipped"] = true });
            return;
        }
        Display.Heading($"flywheel: {name}");
        var start = DateTime.UtcNow;
        work();
        double seconds = (DateTime.UtcNow - start).TotalSeconds;
        AtomicFile.WriteAllText(marker, new JsonObject { ["stage"] = name, ["seconds"] = seconds }.ToJsonString() + "\n");
        metrics.Write("flywheel_stage", new Dictionary<string, object?> { ["stage"] = name, ["skipped"] = false, ["seconds"] = seconds });
    }

    private static void Sft(string model, string data, string output, FlywheelRunOptions options)
    {
        var folder = ModelFolder.Open(model);
        int length = Math.Min(1024, folder.Config.MaxPositionEmbeddings);
        var lora = new LoraOptions { Rank = options.LoraRank };
        var sft = new SftOptions { MaxLength = length, Seed = options.Seed, Lora = lora };
        sft.Validate("flywheel run");
        var training = Training(options.SftSteps, options, length, SftOptions.DefaultLearningRate(folder.Config.ParameterCount, lora: true), options.SftSteps / 20);
        var run = new RunFolder(output);
        using var metrics = new MetricsWriter(run.Metrics);
        SftStage.Run(model, data, run, metrics, training, sft, resume: false);
    }

    private static void Dpo(string model, string data, string output, FlywheelRunOptions options)
    {
        var folder = ModelFolder.Open(model);
        int length = Math.Min(1024, folder.Config.MaxPositionEmbeddings);
        var dpo = new DpoOptions { MaxLength = length, Seed = options.Seed, Lora = new LoraOptions { Rank = options.LoraRank } };
        dpo.Validate("flywheel run");
        var training = Training(options.DpoSteps, options, length, DpoOptions.DefaultLearningRate(folder.Config.ParameterCount, lora: true), options.DpoSteps / 10);
        var run = new RunFolder(output);
        using var metrics = new MetricsWriter(run.Metrics);
        DpoStage.Run(model, data, run, metrics, training, dpo, resume: false);
    }

    /// <summary>The sft and dpo verbs' defaults (linear schedule, no weight decay, β2 0.999), one validation at the end, no checkpoints.</summary>
    private static PretrainOptions Training(int steps, FlywheelRunOptions options, int length, double learningRate, int warmup)
    {
        var training = FineTuningSchedule.Options with
        {
            Steps = steps, BatchSize = options.BatchSize, GradientAccumulation = 1, SequenceLength = length, LearningRate = learningRate, WarmupSteps = warmup,
            EvalInterval = steps, CheckpointInterval = 0,
            Seed = options.Seed, Threads = options.Threads,
        };
        training.Validate("flywheel run");
        return training;
    }

    private static EvaluationTarget Target(string name, string directory, int threads)
    {
        var folder = ModelFolder.Open(directory);
        string arguments = $"pretrained={folder.Directory}";
        return new EvaluationTarget(name, arguments, arguments + "\n" + EvalRunCommand.FilesIdentity(folder.Directory), () =>
        {
            var (session, tokenizer) = ModelLoader.OpenEngine(folder, threads, null);
            return new EngineEvaluationModel(session, tokenizer, folder.Directory);
        });
    }

    private static string LatestResults(string eval, string model) =>
        Directory.GetFiles(Path.Combine(eval, model), "results_*.json").Order(StringComparer.Ordinal).LastOrDefault()
        ?? throw new SharpLMException($"{Path.Combine(eval, model)}: no results file; delete {EvalFolder}.done to evaluate again.");

    /// <summary>The build reads sealed data as JSONL files or folders of them: a task file stands for its folder, so every JSONL beside it is kept out.</summary>
    private static List<string> SealedData(IReadOnlyList<string> tasks) =>
        tasks.Select(t => Directory.Exists(t) ? t : Path.GetDirectoryName(Path.GetFullPath(t))!).Distinct(StringComparer.Ordinal).ToList();

    private static int Lines(string path) => File.Exists(path) ? JsonlLines.Read(path, "flywheel data").Count() : 0;
}
