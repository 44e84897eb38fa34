using System.Globalization;
using System.Text;
using SharpLM.PostTraining;
using SharpLM.Cli.Terminal;
using SharpLM.Core.IO;
using SharpLM.Core.Runs;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.Judging;
using SharpLM.PostTraining.Preference;
using SharpLM.PostTraining.Reward;
using SharpLM.PostTraining.Rl;
using SharpLM.PostTraining.Sft;
using SharpLM.Synthesis;
using SharpLM.Training.Pretraining;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// The quickstart's post-training stages: task data → SFT with LoRA → DPO with LoRA on the SFT model → held-out exact
/// match of the base, the SFT and the DPO model. The DPO model is the chat model.
/// </summary>
public sealed partial class QuickstartPipeline
{
    /// <summary>Examples drawn for the quickstart: a few hundred conversations, written in a second.</summary>
    public const int PostTrainingExamples = 600;

    /// <summary>The scores the report compares, as "task/metric,filter".</summary>
    private static readonly string[] ReportedScores =
    [
        $"{HeldOutTasks.CapitalsName}/exact_match,strip", $"{HeldOutTasks.ArithmeticName}/exact_match,strict-match", $"{HeldOutTasks.ArithmeticName}/exact_match,flexible-extract",
        $"{HeldOutTasks.CapitalFactsName}/exact_match,strip",
    ];

    /// <summary>Fine-tuning steps for a quickstart of <paramref name="pretrainSteps"/>: 46 for the default 700, 2 for the 30-step smoke run.</summary>
    public static int SftSteps(int pretrainSteps) => Math.Clamp(pretrainSteps / 15, 2, 60);

    /// <summary>Preference-optimisation steps for a quickstart of <paramref name="pretrainSteps"/>: 23 for the default 700, 2 for the smoke run.</summary>
    public static int DpoSteps(int pretrainSteps) => Math.Clamp(pretrainSteps / 30, 2, 30);

    /// <summary>Steps of the reward model that judges the win rates: 100 for the default 700, 4 for the smoke run.</summary>
    public static int RewardSteps(int pretrainSteps) => Math.Clamp(pretrainSteps / 7, 2, 100);

    /// <summary>Where the quickstart writes the head-to-head judgements (pairwise JSONL), inside its post-training folder.</summary>
    public const string WinRateFile = "win-rate/judgements.jsonl";

    private sealed record PostTrainingOutcome(TaskDataResult Data, SftResult Sft, DpoResult Dpo, ModelScores Base, ModelScores Sfted, ModelScores Preferred,
        string EvaluationDirectory, RewardResult Judge, IReadOnlyList<WinRateSummary> WinRates)
    {
        /// <summary>The model the quickstart hands over: the last post-training stage's.</summary>
        public string ChatModel => Dpo.ModelDirectory;
    }

    private PostTrainingOutcome PostTrain(RunFolder run, MetricsWriter metrics, PretrainConfig config, TaskDataResult data)
    {
        string root = Path.Combine(run.Root, "post-training");

        int steps = SftSteps(config.Training.Steps);
        // The base never saw the chat template's two tokens, and LoRA alone would leave their rows as initialised: they
        // train beside the adapters (PEFT's trainable_token_indices), which lowered the held-out loss by 0.14 nats here.
        var tokenizer = Tokenizers.HuggingFace.ModelFolderTokenizer.Load(Core.Models.Folder.ModelFolder.Open(run.ModelDirectory));
        int[] chatTokens = [tokenizer.Specials[Tokenizers.Bpe.SpecialTokens.TurnStart], tokenizer.Specials[Tokenizers.Bpe.SpecialTokens.TurnEnd]];
        var sftOptions = new SftOptions { MaxLength = config.Model.MaxPositions, Seed = options.Seed, Lora = new LoraOptions(), TrainableTokens = chatTokens };
        var sftRun = new RunFolder(Path.Combine(root, "sft"));
        var parameters = Core.Models.Folder.ModelFolder.Open(run.ModelDirectory).Config.ParameterCount;
        var training = Schedule(steps, sftOptions.MaxLength, SftOptions.DefaultLearningRate(parameters, lora: true), warmup: steps / 20, evalInterval: Math.Max(1, steps / 2));
        string trainPairs = Path.Combine(data.Directory, TaskDataWriter.TrainFolder, TaskDataWriter.PreferenceFile);
        var sft = Stage("SFT (LoRA + chat tokens)", metrics, () =>
        {
            using var sftMetrics = new MetricsWriter(sftRun.Metrics, append: false);
            return SftStage.Run(run.ModelDirectory, Path.Combine(data.Directory, TaskDataWriter.TrainFolder, TaskDataWriter.ChatFile), sftRun, sftMetrics, training, sftOptions, resume: false);
        }, r => $"{r.Summary.Steps} steps, held-out loss {r.ValidationBefore:F3} → {r.Summary.FinalValidationLoss:F3}");

        int dpoSteps = DpoSteps(config.Training.Steps);
        var dpoOptions = new DpoOptions { MaxLength = config.Model.MaxPositions, Seed = options.Seed, Lora = new LoraOptions() };
        var dpoRun = new RunFolder(Path.Combine(root, "dpo"));
        var dpoTraining = Schedule(dpoSteps, dpoOptions.MaxLength, DpoOptions.DefaultLearningRate(parameters, lora: true), warmup: dpoSteps / 10, evalInterval: dpoSteps);
        var dpo = Stage("DPO (LoRA)", metrics, () =>
        {
            using var dpoMetrics = new MetricsWriter(dpoRun.Metrics, append: false);
            return DpoStage.Run(sft.ModelDirectory, trainPairs, dpoRun, dpoMetrics, dpoTraining, dpoOptions, resume: false);
        }, r => $"{r.Summary.Steps} steps, held-out preference accuracy {PreferenceAccuracy(r.Before)} → {PreferenceAccuracy(r.After)}");

        string evaluation = Path.Combine(root, "eval");
        var scores = Stage("held-out exact match", metrics,
            () => HeldOutEvaluation.Run(evaluation, TaskDataStage.TasksDirectory(data.Directory),
                [("base", run.ModelDirectory), ("sft", sft.ModelDirectory), ("dpo", dpo.ModelDirectory)]),
            s => string.Join(", ", ReportedScores.Where(k => !k.Contains("flexible", StringComparison.Ordinal)).Select(k => $"{Short(k)} {Score(s[0], k)} → {Score(s[1], k)} → {Score(s[2], k)}")));

        // A reward model trained from the SFT model on the training pairs judges which of two models' answers to the
        // held-out prompts is better: the quickstart's answer to "is the chat model better than the base?" even where
        // exact match is 0 for every model.
        int rewardSteps = RewardSteps(config.Training.Steps);
        var rewardOptions = new RewardOptions { MaxLength = config.Model.MaxPositions, Seed = options.Seed };
        var rewardRun = new RunFolder(Path.Combine(root, "reward"));
        var rewardTraining = Schedule(rewardSteps, rewardOptions.MaxLength, RewardOptions.DefaultLearningRate(parameters, lora: false), warmup: rewardSteps / 10, evalInterval: rewardSteps);
        var judge = Stage("reward model (judge)", metrics, () =>
        {
            using var rewardMetrics = new MetricsWriter(rewardRun.Metrics, append: false);
            return RewardStage.Run(sft.ModelDirectory, trainPairs, rewardRun, rewardMetrics, rewardTraining, rewardOptions, resume: false);
        }, r => $"{r.Summary.Steps} steps, held-out pairwise accuracy {Metric(r.Before, "eval_accuracy")} → {Metric(r.After, "eval_accuracy")}");
        var winRates = Stage("win rates", metrics, () => WinRates(root, data, run.ModelDirectory, sft.ModelDirectory, dpo.ModelDirectory, judge.ModelDirectory),
            w => string.Join(", ", w.Select(x => $"{x.Model} against {x.Baseline} {x.Rate:F3}")));
        return new PostTrainingOutcome(data, sft, dpo, scores[0], scores[1], scores[2], evaluation, judge, winRates);
    }

    /// <summary>The quickstart's fine-tuning schedule for each post-training stage: batches of 8, no checkpoints, the run's seed.</summary>
    private PretrainOptions Schedule(int steps, int length, double learningRate, int warmup, int evalInterval) => FineTuningSchedule.Options with
    {
        Steps = steps, BatchSize = 8, SequenceLength = length, LearningRate = learningRate, WarmupSteps = warmup, EvalInterval = evalInterval,
        CheckpointInterval = 0, Seed = options.Seed,
    };

    /// <summary>SFT against the base and DPO against SFT on the held-out preference prompts, judged by the reward model.</summary>
    private static IReadOnlyList<WinRateSummary> WinRates(string root, TaskDataResult data, string baseModel, string sftModel, string dpoModel, string rewardModel)
    {
        int threads = Environment.ProcessorCount;
        var prompts = RlPrompts.Read(Path.Combine(data.Directory, TaskDataWriter.HeldOutFolder, TaskDataWriter.PreferenceFile), answerRequired: false);
        var reward = EngineRewardModel.Load(rewardModel, threads);
        Func<RlPrompt, string, double> judge = (prompt, answer) => reward.Score(prompt.Prompt, answer);
        var baseline = Contestant.Load("base", baseModel, null, threads);
        var sft = Contestant.Load("sft", sftModel, null, threads);
        var dpo = Contestant.Load("dpo", dpoModel, null, threads);
        var sftAgainstBase = WinRateStage.Judge(sft, baseline, prompts, WinRateAnswerTokens, judge);
        var dpoAgainstSft = WinRateStage.Judge(dpo, sft, prompts, WinRateAnswerTokens, judge);
        WinRateStage.Write(Path.Combine(root, WinRateFile), [.. sftAgainstBase, .. dpoAgainstSft], "reward-model:" + Path.GetFullPath(rewardModel));
        return [WinRateStage.Summarize(sftAgainstBase), WinRateStage.Summarize(dpoAgainstSft)];
    }

    /// <summary>Longest answer in the win-rate comparisons, as `eval win-rate`'s default.</summary>
    private const int WinRateAnswerTokens = 64;

    private static string Metric(IReadOnlyDictionary<string, double>? metrics, string name) =>
        metrics?.GetValueOrDefault(name) is double a ? a.ToString("P1", CultureInfo.InvariantCulture) : "n/a";

    private static string PreferenceAccuracy(IReadOnlyDictionary<string, double>? metrics) => Metric(metrics, "eval_rewards/accuracies");

    private static void ReportPostTraining(RunFolder run, PostTrainingOutcome post)
    {
        var table = new Table().Title("[bold]held-out exact match[/]").AddColumn("task / filter").AddColumn(new TableColumn("base").RightAligned())
            .AddColumn(new TableColumn("SFT (LoRA)").RightAligned()).AddColumn(new TableColumn("+ DPO (LoRA)").RightAligned());
        foreach (string key in ReportedScores) table.AddRow(Markup.Escape(Short(key)), Score(post.Base, key), Score(post.Sfted, key), Score(post.Preferred, key));
        AnsiConsole.Write(table);
        string model = post.ChatModel;
        AnsiConsole.MarkupLine($"chat model (adapters merged): [link]{Markup.Escape(model)}[/]");
        AnsiConsole.MarkupLine($"  talk to it:  [bold]sharplm chat --model {Markup.Escape(model)}[/]");
        AnsiConsole.MarkupLine($"  serve it:    [bold]sharplm serve --model {Markup.Escape(model)}[/]");
        AnsiConsole.MarkupLine($"  then open:   [link]http://localhost:{Serving.ServerOptions.DefaultPort}/[/] for the chat and annotation page");

        var md = new StringBuilder(File.ReadAllText(run.Report));
        var counts = post.Data;
        md.AppendLine("## Post-training").AppendLine();
        md.AppendLine($"- Task data (`post-training/data/`, `sharplm data synth --count {PostTrainingExamples}`): {counts.TrainExamples} training and {counts.HeldOutExamples} held-out " +
                      $"conversations (capitals, word problems, format-following, refusals and their benign twins); {counts.Repeats} repeated prompts and " +
                      $"{counts.Contaminated} training examples sharing a 13-gram with a held-out item dropped. Its paragraphs on every state's capital " +
                      $"(`post-training/data/{TaskDataWriter.PretrainingFolder}/{TaskDataWriter.FactFile}`) went into the pretraining corpus: the held-out " +
                      $"capitals are never asked in training, so only a base that learned them can answer ({HeldOutTasks.CapitalFactsName} below continues " +
                      "\"The capital of X is\" without the chat template, to show what the base knows).");
        var s = post.Sft.Summary;
        md.AppendLine($"- SFT with LoRA (`post-training/sft/`): {s.Steps} steps on {post.Sft.TrainConversations} conversations; held-out loss per assistant token " +
                      $"{post.Sft.ValidationBefore?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a"} before, {s.FinalValidationLoss?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a"} after.");
        var d = post.Dpo;
        md.AppendLine($"- DPO with LoRA on the SFT model (`post-training/dpo/`, sigmoid loss, beta 0.1, reference log-probabilities from the C# engine): " +
                      $"{d.Summary.Steps} steps on {d.TrainPairs} preference pairs; held-out preference accuracy (`rewards/accuracies`) " +
                      $"{PreferenceAccuracy(d.Before)} before, {PreferenceAccuracy(d.After)} after, on {d.ValidationPairs} pairs.");
        md.AppendLine($"- Held-out tasks scored by the evaluation stage (`post-training/eval/report.md`), zero-shot, greedy, in the chat template " +
                      $"({HeldOutTasks.CapitalFactsName}: plain text):").AppendLine();
        md.AppendLine("| task / filter | base | SFT (LoRA) | + DPO (LoRA) |").AppendLine("|---|---:|---:|---:|");
        foreach (string key in ReportedScores) md.AppendLine($"| {Short(key)} | {Score(post.Base, key)} | {Score(post.Sfted, key)} | {Score(post.Preferred, key)} |");
        var j = post.Judge;
        md.AppendLine().AppendLine($"Win rates on the {post.WinRates[0].Games} held-out preference prompts (`{WinRateFile}` under `post-training/`, for " +
                      "`sharplm eval report --pairwise`): both models answer greedily and a reward model prefers one answer. The judge was trained from the SFT " +
                      $"model on the training pairs (`post-training/reward/`, {j.Summary.Steps} steps, held-out pairwise accuracy {Metric(j.Before, "eval_accuracy")} " +
                      $"before, {Metric(j.After, "eval_accuracy")} after), the same pairs DPO learned from, so a win means an answer more like the preferred ones.").AppendLine();
        foreach (var w in post.WinRates) md.AppendLine($"- {w.Model} against {w.Baseline}: {w}.");
        md.AppendLine().AppendLine($"The chat model (adapters merged) is `{Path.GetRelativePath(run.Root, model)}`: `sharplm chat --model {model}`, `sharplm serve --model {model}`, then open http://localhost:{Serving.ServerOptions.DefaultPort}/ for the chat page.");
        AtomicFile.WriteAllText(run.Report, md.ToString());
    }

    private static string Short(string key) => key.Replace("/exact_match,", " / ", StringComparison.Ordinal);

    private static string Score(ModelScores scores, string key) =>
        scores.Scores.TryGetValue(key, out double value) ? value.ToString("F3", CultureInfo.InvariantCulture) : "n/a";
}
