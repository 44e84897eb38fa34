using System.Globalization;
using System.Text;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.IO;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.Inference;
using SharpLM.PostTraining;
using SharpLM.PostTraining.Reward;
using SharpLM.PostTraining.Rl;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Native;
using SharpLM.Training.Pretraining;

namespace SharpLM.Cli.Stages;

public sealed record RlResult(PretrainSummary Summary, double? AccuracyBefore, double? AccuracyAfter, int Prompts, string ModelDirectory, string? AdapterDirectory)
{
    /// <summary>With a reward model: the mean reward of the held-out prompts' greedy completions before and after.</summary>
    public (double Before, double After)? HeldOutReward { get; init; }
}

/// <summary>
/// Online RL (GRPO): a model folder and prompts JSONL in; each step samples groups of completions with the C# engine
/// on the policy's current weights, scores them with the verifier or a trained reward model (on the engine), and trains through the shared loop (run folder,
/// checkpoints, exact resume, metrics.jsonl with TRL's metric names, progress, loss.png); a model folder out, and
/// with LoRA or token rows the adapter in PEFT's format (with prompt tuning only the adapter). With held-out prompts, greedy verifier accuracy before and after (where they
/// have answers) and, with a reward model, their mean reward.
/// </summary>
public static class RlStage
{
    public const string PolicyFolder = "policy-snapshot";

    public static RlResult Run(string modelDirectory, string dataPath, string? evalPath, RunFolder run, MetricsWriter metrics, PretrainOptions training,
        GrpoOptions options, bool resume)
    {
        TorchRuntime.EnsureLoaded();
        var folder = ModelFolder.Open(modelDirectory);
        var tokenizer = ModelFolderTokenizer.Load(folder);
        int threads = training.Threads > 0 ? training.Threads : Environment.ProcessorCount;
        var rewardModel = options.UsesVerifier ? null : EngineRewardModel.Load(options.Reward, threads);
        var prompts = RlPrompts.Read(dataPath, answerRequired: options.UsesVerifier);
        var heldOut = evalPath is null ? null : RlPrompts.Read(evalPath, answerRequired: options.UsesVerifier);
        bool verifiable = heldOut is not null && heldOut.All(p => !string.IsNullOrWhiteSpace(p.Answer));
        Func<Rollout, double> reward = rewardModel is null
            ? r => FinalAnswer.Reward(r.Text, prompts[r.PromptIndex].Answer!)
            : r => rewardModel.Score(prompts[r.PromptIndex].Prompt, r.Text);
        var sampler = new RolloutSampler(tokenizer, new ChatTemplate(tokenizer), threads);
        Display.Info($"data: {prompts.Count} prompts" + (heldOut is null ? "" : $", {heldOut.Count} held-out"));

        var baseEngine = EngineModel.Load(folder);
        double? before = verifiable ? Accuracy("held-out accuracy (before)", baseEngine, sampler, heldOut!, options.MaxNewTokens) : null;
        double? rewardBefore = heldOut is null || rewardModel is null ? null : MeanReward("held-out reward (before)", baseEngine, sampler, heldOut, options.MaxNewTokens, rewardModel);

        using var model = HfCheckpoint.Load(folder);
        // With prompt tuning (or token rows) the KL reference is the model without them, as PEFT's policy with its adapter disabled.
        using var trainedWeights = TrainedWeights.Create(model, options.Lora, options.PromptTuning, options.TrainableTokens, tokenizer, options.Seed);
        var identity = new TokenShardIdentity { Path = Path.GetFullPath(dataPath), Tokens = new FileInfo(dataPath).Length, Documents = prompts.Count, Fingerprint = RlPrompts.Fingerprint(dataPath) };
        var snapshot = new PolicySnapshot(folder, tokenizer, Path.Combine(run.Root, PolicyFolder), trainedWeights);
        var objective = new GrpoObjective(prompts, identity, options, sampler, snapshot, reward,
            options.Beta > 0 ? baseEngine : null, training.BatchSize, threads, trainedWeights.Lora, trainedWeights.Prompt);
        long trainable = trainedWeights.Weights.Parameters.Sum(p => p.Parameter.numel());
        Display.Info($"model: {folder.Config.ModelType}, {folder.Config.ParameterCount / 1e6:F2}M parameters, {trainable / 1e6:F3}M trained" +
                     trainedWeights.Description + $"; {options.GroupSize} completions per prompt, beta {options.Beta}");
        metrics.Write("rl_start", new Dictionary<string, object?>
        {
            ["parameters"] = folder.Config.ParameterCount, ["trainable_parameters"] = trainable, ["prompts"] = prompts.Count, ["eval_accuracy"] = before,
            ["eval_reward"] = rewardBefore,
        });

        var trainer = new Pretrainer(model, new PretrainConfig { Training = training });
        var summary = Display.Progress("online RL (GRPO)", training.Steps, sink => trainer.Run(objective, trainedWeights.Weights, run.Root, metrics, report =>
        {
            var step = objective.StepMetrics;
            var record = new Dictionary<string, object?> { ["step"] = report.Step };
            foreach (var (name, value) in step) record[name] = value;
            metrics.Write("rl_step", record);
            sink.Report(report.Step, $"step {report.Step}/{report.TotalSteps} reward {step.GetValueOrDefault("reward"):F3} length {step.GetValueOrDefault("completions/mean_length"):F1}");
        }, resume));
        if (Directory.Exists(snapshot.Directory)) Directory.Delete(snapshot.Directory, recursive: true);

        // Prompt tuning's virtual tokens are inputs, not weights: nothing merges, and the engine applies the adapter to the base.
        string? adapterDirectory = trainedWeights.SaveAdapter(Path.Combine(run.Root, SftStage.AdapterFolder), Path.GetFullPath(modelDirectory));
        EngineModel trained;
        if (trainedWeights.WritesModel)
        {
            trainedWeights.MergeAndUnload();
            HfCheckpoint.Save(model, tokenizer, run.ModelDirectory);
            trained = EngineModel.Load(run.ModelDirectory);
        }
        else trained = EngineModel.Load(folder, adapterDirectory);
        double? after = verifiable ? Accuracy("held-out accuracy (after)", trained, sampler, heldOut!, options.MaxNewTokens) : null;
        double? rewardAfter = rewardBefore is null ? null : MeanReward("held-out reward (after)", trained, sampler, heldOut!, options.MaxNewTokens, rewardModel!);
        if (Core.Reports.LossCurve.Write(run.Metrics, run.LossCurve)) Display.Info($"loss curve: {run.LossCurve}");
        metrics.Write("rl_end", new Dictionary<string, object?>
        {
            ["steps"] = summary.Steps, ["loss"] = summary.FinalLoss, ["seconds"] = summary.Elapsed.TotalSeconds, ["eval_accuracy"] = after,
            ["eval_reward"] = rewardAfter,
        });
        var result = new RlResult(summary, before, after, prompts.Count, trainedWeights.WritesModel ? run.ModelDirectory : Path.GetFullPath(modelDirectory), adapterDirectory)
        {
            HeldOutReward = rewardBefore is double b && rewardAfter is double a ? (b, a) : null,
        };
        WriteReport(run, modelDirectory, dataPath, evalPath, training, options, result);
        return result;
    }

    private static double Accuracy(string title, EngineModel model, RolloutSampler sampler, IReadOnlyList<RlPrompt> prompts, int maxNewTokens) =>
        Display.Progress(title, prompts.Count, sink => VerifierAccuracy.Measure(model, sampler, prompts, maxNewTokens, new Progress(sink)));

    private static double MeanReward(string title, EngineModel model, RolloutSampler sampler, IReadOnlyList<RlPrompt> prompts, int maxNewTokens, EngineRewardModel reward) =>
        Display.Progress(title, prompts.Count, sink => VerifierAccuracy.MeanScore(model, sampler, prompts, maxNewTokens, (p, r) => reward.Score(p.Prompt, r.Text), new Progress(sink)));

    private sealed class Progress(IProgressSink sink) : IProgress<int>
    {
        public void Report(int value) => sink.Report(value);
    }

    private static void WriteReport(RunFolder run, string modelDirectory, string dataPath, string? evalPath, PretrainOptions training, GrpoOptions options, RlResult result)
    {
        string Percent(double? v) => v is double x ? x.ToString("P1", CultureInfo.InvariantCulture) : "n/a";
        var md = new StringBuilder();
        md.AppendLine("# SharpLM online RL (GRPO) report").AppendLine();
        md.AppendLine($"Written {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores.").AppendLine();
        md.AppendLine($"- Starting model `{modelDirectory}`, prompts `{dataPath}` ({result.Prompts}), reward {options.Reward}.");
        md.AppendLine($"- Reached step {result.Summary.Steps} of {training.Steps}; final loss {result.Summary.FinalLoss:F4}.");
        if (result.AccuracyBefore is not null) md.AppendLine($"- Greedy verifier accuracy on `{evalPath}`: {Percent(result.AccuracyBefore)} before, {Percent(result.AccuracyAfter)} after.");
        if (result.HeldOutReward is (double before, double after)) md.AppendLine($"- Mean reward-model score of the greedy completions of `{evalPath}`: {before:F4} before, {after:F4} after.");
        md.AppendLine(options.PromptTuning is not null
            ? $"- Prompt-tuning adapter ({options.VirtualTokens} virtual tokens, PEFT's format) in `adapter/`; use it with the starting model (`--adapter`)."
            : $"- Trained model in `model/`" + (result.AdapterDirectory is null ? "." : " (adapter merged); the adapter alone, in PEFT's format, in `adapter/`."));
        if (File.Exists(run.LossCurve)) md.AppendLine().AppendLine("![training loss](loss.png)");
        md.AppendLine().AppendLine("## Settings").AppendLine().AppendLine("```json").AppendLine(System.Text.Json.JsonSerializer.Serialize(new { training, grpo = options },
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true })).AppendLine("```");
        AtomicFile.WriteAllText(run.Report, md.ToString());
    }
}
