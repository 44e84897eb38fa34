using System.Globalization;
using System.Text;
using SharpLM.Cli.Terminal;
using SharpLM.Core.IO;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.Inference;
using SharpLM.PostTraining;
using SharpLM.PostTraining.Preference;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Native;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.Cli.Stages;

public sealed record DpoResult(PretrainSummary Summary, IReadOnlyDictionary<string, double>? Before, IReadOnlyDictionary<string, double>? After,
    int TrainPairs, int ValidationPairs, int Dropped, string ModelDirectory, string? AdapterDirectory);

/// <summary>
/// Direct preference optimisation: a model folder and preference JSONL in; the reference log-probabilities computed
/// once by the C# engine into reference_logps.jsonl (reused on resume); the shared training loop (run folder,
/// checkpoints, exact resume, metrics.jsonl with TRL's metric names, progress, loss.png); a model folder out, and
/// with LoRA the adapter in PEFT's format.
/// </summary>
public static class DpoStage
{
    public static DpoResult Run(string modelDirectory, string dataPath, RunFolder run, MetricsWriter metrics, PretrainOptions training, DpoOptions options, bool resume)
    {
        TorchRuntime.EnsureLoaded();
        var folder = ModelFolder.Open(modelDirectory);
        var tokenizer = ModelFolderTokenizer.Load(folder);
        var data = PreferenceData.Load(dataPath, new ChatTemplate(tokenizer), options.SequenceLength, options.ValidationFraction);
        Display.Info($"data: {data.Train.Count} training and {data.Validation.Count} held-out pairs" +
                     (data.Dropped > 0 ? $"; {data.Dropped} dropped (a side has no completion token within {options.SequenceLength} positions)" : ""));
        var reference = ReferenceLogpsFor(folder, data, run, resume, training.Threads);

        using var model = HfCheckpoint.Load(folder);
        // With prompt tuning (or token rows) the reference is the model without them, as PEFT's policy with its adapter disabled.
        using var trained = TrainedWeights.Create(model, options.Lora, options.PromptTuning, options.TrainableTokens, tokenizer, options.Seed);
        var objective = new DpoObjective(data, reference, options, training.BatchSize, training.EvalBatches, trained.Lora, trained.Prompt);
        long trainable = trained.Weights.Parameters.Sum(p => p.Parameter.numel());
        Display.Info($"model: {folder.Config.ModelType}, {folder.Config.ParameterCount / 1e6:F2}M parameters, {trainable / 1e6:F3}M trained{trained.Description}" +
                     $"; beta {options.Beta}, loss {options.Loss.ToString().ToLowerInvariant()}");

        IReadOnlyDictionary<string, double>? before;
        using (no_grad())
        {
            model.eval();
            objective.ValidationLoss(model, CPU);
            before = objective.ValidationMetrics;
        }
        metrics.Write("dpo_start", new Dictionary<string, object?>
        {
            ["parameters"] = folder.Config.ParameterCount, ["trainable_parameters"] = trainable, ["train_pairs"] = data.Train.Count,
            ["validation_pairs"] = data.Validation.Count, ["dropped_pairs"] = data.Dropped,
            ["eval_rewards/accuracies"] = before?.GetValueOrDefault("eval_rewards/accuracies"), ["eval_loss"] = before?.GetValueOrDefault("eval_loss"),
        });

        var trainer = new Pretrainer(model, new PretrainConfig { Training = training });
        var summary = Display.Progress("preference optimisation", training.Steps, sink => trainer.Run(objective, trained.Weights, run.Root, metrics, report =>
        {
            var step = objective.StepMetrics;
            metrics.Write("dpo_step", Record(report.Step, step));
            sink.Report(report.Step, $"step {report.Step}/{report.TotalSteps} loss {report.Loss:F3} margin {step.GetValueOrDefault("rewards/margins"):F3}");
            if (report.ValidationLoss is not null && objective.ValidationMetrics is { } eval)
            {
                metrics.Write("dpo_eval", Record(report.Step, eval));
                Console.WriteLine($"step {report.Step,5}  loss {report.Loss:F3}  held-out loss {eval["eval_loss"]:F3}  held-out accuracy {eval["eval_rewards/accuracies"]:P1}  margin {eval["eval_rewards/margins"]:F3}");
            }
        }, resume));

        // Measured again on the final weights: a resumed run that had already finished validates nothing in the loop.
        IReadOnlyDictionary<string, double>? after;
        using (no_grad())
        {
            model.eval();
            objective.ValidationLoss(model, CPU);
            after = objective.ValidationMetrics;
        }

        // Prompt tuning's virtual tokens are inputs, not weights: nothing merges, and the base stays the model to use.
        string? adapterDirectory = trained.SaveAdapter(Path.Combine(run.Root, SftStage.AdapterFolder), Path.GetFullPath(modelDirectory));
        if (trained.WritesModel)
        {
            trained.MergeAndUnload();
            HfCheckpoint.Save(model, tokenizer, run.ModelDirectory);
        }
        if (Core.Reports.LossCurve.Write(run.Metrics, run.LossCurve)) Display.Info($"loss curve: {run.LossCurve}");
        var end = new Dictionary<string, object?> { ["steps"] = summary.Steps, ["loss"] = summary.FinalLoss, ["seconds"] = summary.Elapsed.TotalSeconds };
        if (after is not null) foreach (var (name, value) in after) end[name] = value;
        metrics.Write("dpo_end", end);
        var result = new DpoResult(summary, before, after, data.Train.Count, data.Validation.Count, data.Dropped,
            trained.WritesModel ? run.ModelDirectory : Path.GetFullPath(modelDirectory), adapterDirectory);
        WriteReport(run, modelDirectory, dataPath, training, options, result);
        return result;
    }

    /// <summary>The cached reference log-probabilities on resume; otherwise computed by the engine on the unchanged model and cached.</summary>
    private static List<PairLogps> ReferenceLogpsFor(ModelFolder folder, PreferenceData data, RunFolder run, bool resume, int threads)
    {
        string path = Path.Combine(run.Root, ReferenceLogps.FileName);
        int pairs = data.Train.Count + data.Validation.Count;
        if (resume && File.Exists(path))
        {
            Display.Info($"reference log-probabilities: reusing {path}");
            return ReferenceLogps.Read(path, data.Identity.Fingerprint, pairs);
        }
        var engine = EngineModel.Load(folder);
        var all = data.All.ToList();
        var computed = Display.Progress("reference log-probabilities (engine)", pairs, sink =>
            EngineReference.Compute(engine, all, threads > 0 ? threads : Environment.ProcessorCount, new Progress(sink)));
        ReferenceLogps.Write(path, data.Identity.Fingerprint, Path.GetFullPath(folder.Directory), all.Select(p => p.Line).ToList(), computed);
        // Read back what was written, so a fresh run and a resumed one train on the very same numbers.
        return ReferenceLogps.Read(path, data.Identity.Fingerprint, pairs);
    }

    private sealed class Progress(IProgressSink sink) : IProgress<int>
    {
        public void Report(int value) => sink.Report(value);
    }

    private static Dictionary<string, object?> Record(int step, IReadOnlyDictionary<string, double> values)
    {
        var record = new Dictionary<string, object?> { ["step"] = step };
        foreach (var (name, value) in values) record[name] = value;
        return record;
    }

    private static void WriteReport(RunFolder run, string modelDirectory, string dataPath, PretrainOptions training, DpoOptions options, DpoResult result)
    {
        var s = result.Summary;
        var md = new StringBuilder();
        md.AppendLine("# SharpLM preference optimisation (DPO) report").AppendLine();
        md.AppendLine($"Written {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores.").AppendLine();
        md.AppendLine($"- Base (and reference) model `{modelDirectory}`, data `{dataPath}`: {result.TrainPairs} training and {result.ValidationPairs} held-out pairs ({result.Dropped} dropped).");
        md.AppendLine($"- Reached step {s.Steps} of {training.Steps}; final training loss {s.FinalLoss:F4}.");
        md.AppendLine($"- Held-out preference accuracy {Format(result.Before, "eval_rewards/accuracies")} before, {Format(result.After, "eval_rewards/accuracies")} after; " +
                      $"held-out reward margin {Format(result.After, "eval_rewards/margins")} after.");
        md.AppendLine(options.PromptTuning is not null
            ? $"- Prompt-tuning adapter (PEFT's PROMPT_TUNING format) in `adapter/`, for the unchanged base `{modelDirectory}` (`--adapter`); no model folder."
            : $"- Trained model in `model/`" + (result.AdapterDirectory is null ? "." : " (adapter merged); the adapter alone, in PEFT's format, in `adapter/`."));
        if (File.Exists(run.LossCurve)) md.AppendLine().AppendLine("![training and validation loss](loss.png)");
        md.AppendLine().AppendLine("## Settings").AppendLine().AppendLine("```json").AppendLine(System.Text.Json.JsonSerializer.Serialize(new { training, dpo = options },
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true })).AppendLine("```");
        AtomicFile.WriteAllText(run.Report, md.ToString());
    }

    private static string Format(IReadOnlyDictionary<string, double>? values, string name) =>
        values is not null && values.TryGetValue(name, out double v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";
}
