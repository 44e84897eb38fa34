using System.Globalization;
using System.Text;
using SharpLM.Cli.Terminal;
using SharpLM.Core.IO;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.PostTraining;
using SharpLM.PostTraining.Preference;
using SharpLM.PostTraining.Reward;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Native;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.Cli.Stages;

public sealed record RewardResult(PretrainSummary Summary, IReadOnlyDictionary<string, double>? Before, IReadOnlyDictionary<string, double>? After,
    int TrainPairs, int ValidationPairs, int Dropped, string ModelDirectory, string? AdapterDirectory);

/// <summary>
/// Reward modelling: a model folder and preference JSONL in; the shared training loop over the Bradley–Terry loss
/// (run folder, checkpoints, exact resume, metrics.jsonl, progress, loss.png); out, model/ with the trained decoder
/// and reward_head.safetensors beside it. With LoRA the decoder is frozen under adapters (over a quantized base with
/// QLoRA), the head trains whole, adapter/ holds both in PEFT's SEQ_CLS format, and model/ has the adapter merged, so
/// every reader of a reward model folder reads it unchanged. With prompt tuning the virtual tokens and the head
/// train, and adapter/ (SEQ_CLS prompt tuning over the given model) is the whole result, which the scorer reads.
/// </summary>
public static class RewardStage
{
    public static RewardResult Run(string modelDirectory, string dataPath, RunFolder run, MetricsWriter metrics, PretrainOptions training, RewardOptions options, bool resume)
    {
        TorchRuntime.EnsureLoaded();
        var folder = ModelFolder.Open(modelDirectory);
        var tokenizer = ModelFolderTokenizer.Load(folder);
        // A reward reads the whole sequence, so the last target is part of it: max_length − 1 pairs leave max_length tokens.
        // Prompt tuning's virtual tokens take the first positions of max_length.
        var data = PreferenceData.Load(dataPath, new ChatTemplate(tokenizer), options.MaxLength - options.VirtualTokens - 1, options.ValidationFraction);
        Display.Info($"data: {data.Train.Count} training and {data.Validation.Count} held-out pairs" +
                     (data.Dropped > 0 ? $"; {data.Dropped} dropped (a side has no completion token within max_length {options.MaxLength})" : ""));

        using var model = SftStage.LoadBase(folder, options.QuantizeBase);
        // What trains on the decoder is built as for sft, dpo and rl; the head is the reward model's own.
        using var trained = TrainedWeights.Create(model, options.Lora, options.PromptTuning, options.TrainableTokens, tokenizer, options.Seed);
        var prompt = trained.Prompt;
        var reward = new RewardModel(model, options.Seed, trained.Lora, trained.TokenRows, prompt);
        var objective = new RewardObjective(data, reward, options, training.BatchSize, training.EvalBatches);
        long trainable = reward.Parameters.Sum(p => p.Parameter.numel());
        Display.Info($"model: {folder.Config.ModelType}, {folder.Config.ParameterCount / 1e6:F2}M parameters and a scalar head on the last token; {trainable / 1e6:F3}M trained" +
                     trained.Description + " and the head");

        var before = HeldOut(model, objective);
        metrics.Write("reward_start", new Dictionary<string, object?>
        {
            ["parameters"] = folder.Config.ParameterCount, ["trainable_parameters"] = trainable, ["train_pairs"] = data.Train.Count, ["validation_pairs"] = data.Validation.Count,
            ["dropped_pairs"] = data.Dropped, ["eval_accuracy"] = before?.GetValueOrDefault("eval_accuracy"),
        });
        var trainer = new Pretrainer(model, new PretrainConfig { Training = training });
        var summary = Display.Progress("reward model", training.Steps, sink => trainer.Run(objective, reward, run.Root, metrics, report =>
        {
            var step = objective.StepMetrics;
            metrics.Write("reward_step", Record(report.Step, step));
            sink.Report(report.Step, $"step {report.Step}/{report.TotalSteps} loss {report.Loss:F3} accuracy {step.GetValueOrDefault("accuracy"):P0}");
            if (report.ValidationLoss is not null && objective.ValidationMetrics is { } eval)
            {
                metrics.Write("reward_eval", Record(report.Step, eval));
                Console.WriteLine($"step {report.Step,5}  loss {report.Loss:F3}  held-out loss {eval["eval_loss"]:F3}  held-out accuracy {eval["eval_accuracy"]:P1}  margin {eval["eval_margin"]:F3}");
            }
        }, resume));
        var after = HeldOut(model, objective);

        string? adapterDirectory = null;
        if (trained.Lora is not null || prompt is not null)
        {
            adapterDirectory = Path.Combine(run.Root, SftStage.AdapterFolder);
            AtomicDirectory.Write(adapterDirectory, staging => reward.SavePeft(staging, Path.GetFullPath(modelDirectory)));
        }
        // A prompt-tuned reward model is its adapter: virtual tokens are inputs and cannot be merged into a model folder.
        if (prompt is null && options.QuantizeBase is not null)
        {
            // A quantized base cannot take the merge; as with PEFT's QLoRA, the adapter and head go onto the float32 base.
            using var full = HfCheckpoint.Load(folder);
            using var fullTrained = TrainedWeights.Create(full, options.Lora, null, options.TrainableTokens, tokenizer, options.Seed);
            var merged = new RewardModel(full, options.Seed, fullTrained.Lora, fullTrained.TokenRows);
            merged.Load(Path.Combine(adapterDirectory!, Core.Formats.Peft.PeftTensorNames.WeightsFile));
            merged.SaveModelFolder(tokenizer, run.ModelDirectory);
        }
        else if (prompt is null) reward.SaveModelFolder(tokenizer, run.ModelDirectory);
        if (Core.Reports.LossCurve.Write(run.Metrics, run.LossCurve)) Display.Info($"loss curve: {run.LossCurve}");
        var end = new Dictionary<string, object?> { ["steps"] = summary.Steps, ["loss"] = summary.FinalLoss, ["seconds"] = summary.Elapsed.TotalSeconds };
        if (after is not null) foreach (var (name, value) in after) end[name] = value;
        metrics.Write("reward_end", end);
        var result = new RewardResult(summary, before, after, data.Train.Count, data.Validation.Count, data.Dropped, prompt is null ? run.ModelDirectory : adapterDirectory!,
            adapterDirectory);
        WriteReport(run, modelDirectory, dataPath, training, options, result);
        return result;
    }

    private static IReadOnlyDictionary<string, double>? HeldOut(Training.Modeling.CausalLanguageModel model, RewardObjective objective)
    {
        using var noGrad = no_grad();
        model.eval();
        objective.ValidationLoss(model, CPU);
        return objective.ValidationMetrics;
    }

    private static Dictionary<string, object?> Record(int step, IReadOnlyDictionary<string, double> values)
    {
        var record = new Dictionary<string, object?> { ["step"] = step };
        foreach (var (name, value) in values) record[name] = value;
        return record;
    }

    private static void WriteReport(RunFolder run, string modelDirectory, string dataPath, PretrainOptions training, RewardOptions options, RewardResult result)
    {
        var md = new StringBuilder();
        md.AppendLine("# SharpLM reward model report").AppendLine();
        md.AppendLine($"Written {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores.").AppendLine();
        md.AppendLine($"- Base model `{modelDirectory}`, data `{dataPath}`: {result.TrainPairs} training and {result.ValidationPairs} held-out pairs ({result.Dropped} dropped).");
        md.AppendLine($"- Reached step {result.Summary.Steps} of {training.Steps}; final training loss {result.Summary.FinalLoss:F4}.");
        md.AppendLine($"- Held-out pairwise accuracy {Format(result.Before, "eval_accuracy")} before (random head), {Format(result.After, "eval_accuracy")} after; " +
                      $"mean held-out margin {Format(result.After, "eval_margin")}.");
        md.AppendLine(options.PromptTuning is { } prompt
            ? $"- Reward model in `adapter/`: {prompt.VirtualTokens} virtual tokens and the head (base_model.score.weight), PEFT's SEQ_CLS prompt-tuning format, over `{modelDirectory}`; " +
              "`rl --reward` and `eval win-rate --reward-model` take this run folder."
            : $"- Reward model in `model/`: the decoder's weights" + (result.AdapterDirectory is null ? "" : " (adapter merged)") +
              $" and `{RewardHeadFile.FileName}` (score.weight [1, hidden])" +
              (result.AdapterDirectory is null ? "." : "; the LoRA adapter and head alone, in PEFT's SEQ_CLS format, in `adapter/`."));
        if (File.Exists(run.LossCurve)) md.AppendLine().AppendLine("![training and validation loss](loss.png)");
        md.AppendLine().AppendLine("## Settings").AppendLine().AppendLine("```json").AppendLine(System.Text.Json.JsonSerializer.Serialize(new { training, reward = options },
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true })).AppendLine("```");
        AtomicFile.WriteAllText(run.Report, md.ToString());
    }

    private static string Format(IReadOnlyDictionary<string, double>? values, string name) =>
        values is not null && values.TryGetValue(name, out double v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";
}
