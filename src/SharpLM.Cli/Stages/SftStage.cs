using System.Text;
using SharpLM.Cli.Terminal;
using SharpLM.Core.IO;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.Core.Formats.Peft;
using SharpLM.PostTraining;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.Sft;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Native;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.Cli.Stages;

public sealed record SftResult(PretrainSummary Summary, double? ValidationBefore, int TrainConversations, int ValidationConversations, int Dropped,
    string ModelDirectory, string? AdapterDirectory);

/// <summary>
/// Supervised fine-tuning: a model folder and chat JSONL in, the pretraining loop (run folder, checkpoints, exact
/// resume, metrics.jsonl, progress, loss.png) over assistant-only loss, a model folder out; with LoRA also the
/// adapter in PEFT's format (adapter/), and model/ holds the adapter merged. Prompt tuning writes only adapter/:
/// its virtual tokens are inputs, not weights, so there is nothing to merge; the engine applies it with --adapter.
/// </summary>
public static class SftStage
{
    public const string AdapterFolder = "adapter";

    public static SftResult Run(string modelDirectory, string dataPath, RunFolder run, MetricsWriter metrics, PretrainOptions training, SftOptions options, bool resume)
    {
        TorchRuntime.EnsureLoaded();
        var folder = ModelFolder.Open(modelDirectory);
        var tokenizer = ModelFolderTokenizer.Load(folder);
        var template = new ChatTemplate(tokenizer);
        var data = SftData.Load(dataPath, template, options);
        Display.Info($"data: {data.Train.Count} training and {data.Validation.Count} held-out conversations, {data.Train.Sum(c => (long)c.Length):N0} training tokens" +
                     (data.Dropped > 0 ? $"; {data.Dropped} dropped (no assistant token within {options.ConversationLength} positions)" : ""));

        using var model = LoadBase(folder, options.QuantizeBase);
        using var trained = TrainedWeights.Create(model, options.Lora, options.PromptTuning, options.TrainableTokens, tokenizer, options.Seed);
        var objective = new SftObjective(data, options, training.BatchSize, training.EvalBatches, trained.Lora, trained.Prompt);
        long trainable = trained.Weights.Parameters.Sum(p => p.Parameter.numel());
        Display.Info($"model: {folder.Config.ModelType}, {folder.Config.ParameterCount / 1e6:F2}M parameters, {trainable / 1e6:F3}M trained{trained.Description}" +
                     $"; {objective.TrainRows} training rows of up to {options.MaxLength} positions ({(options.Packing ? "packed" : "padded")})");

        double? before;
        using (no_grad())
        {
            model.eval();
            before = objective.ValidationLoss(model, CPU);
        }
        metrics.Write("sft_start", new Dictionary<string, object?>
        {
            ["parameters"] = folder.Config.ParameterCount, ["trainable_parameters"] = trainable, ["train_conversations"] = data.Train.Count,
            ["validation_conversations"] = data.Validation.Count, ["dropped_conversations"] = data.Dropped, ["train_rows"] = objective.TrainRows,
            ["val_loss_before"] = before,
        });

        var config = new PretrainConfig { Training = training };
        var trainer = new Pretrainer(model, config);
        var summary = Display.Progress("fine-tuning", training.Steps, sink => trainer.Run(objective, trained.Weights, run.Root, metrics, report =>
        {
            sink.Report(report.Step, $"step {report.Step}/{report.TotalSteps} loss {report.Loss:F3} {report.TokensPerSecond:F0} tok/s");
            if (report.ValidationLoss is double v) Console.WriteLine($"step {report.Step,5}  loss {report.Loss:F3}  val {v:F3}  lr {report.LearningRate:E2}  grad {report.GradientNorm:F2}");
        }, resume));

        string? adapterDirectory = trained.SaveAdapter(Path.Combine(run.Root, AdapterFolder), Path.GetFullPath(modelDirectory));
        // A quantized base cannot take the merge; as with PEFT's QLoRA, the adapter is merged into the float32 base's files.
        if (options.QuantizeBase is not null) LoraMergedFolder.Write(modelDirectory, adapterDirectory!, run.ModelDirectory);
        else if (trained.WritesModel)
        {
            trained.MergeAndUnload();
            HfCheckpoint.Save(model, tokenizer, run.ModelDirectory);
        }
        if (Core.Reports.LossCurve.Write(run.Metrics, run.LossCurve)) Display.Info($"loss curve: {run.LossCurve}");
        metrics.Write("sft_end", new Dictionary<string, object?>
        {
            ["steps"] = summary.Steps, ["loss"] = summary.FinalLoss, ["val_loss_before"] = before, ["val_loss"] = summary.FinalValidationLoss,
            ["tokens_per_second"] = summary.MeanTokensPerSecond, ["seconds"] = summary.Elapsed.TotalSeconds,
        });
        // A prompt-tuning run leaves the base unchanged: the model to use with its adapter is the base folder.
        var result = new SftResult(summary, before, data.Train.Count, data.Validation.Count, data.Dropped,
            trained.WritesModel ? run.ModelDirectory : Path.GetFullPath(modelDirectory), adapterDirectory);
        WriteReport(run, modelDirectory, dataPath, training, options, result);
        return result;
    }

    private static void WriteReport(RunFolder run, string modelDirectory, string dataPath, PretrainOptions training, SftOptions options, SftResult result)
    {
        var s = result.Summary;
        var md = new StringBuilder();
        md.AppendLine("# SharpLM supervised fine-tuning report").AppendLine();
        md.AppendLine($"Written {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores.").AppendLine();
        md.AppendLine($"- Base model `{modelDirectory}`, data `{dataPath}`: {result.TrainConversations} training and {result.ValidationConversations} held-out conversations ({result.Dropped} dropped).");
        md.AppendLine($"- Reached step {s.Steps} of {training.Steps}; final training loss {s.FinalLoss:F3} nats per assistant token.");
        md.AppendLine($"- Held-out loss {Format(result.ValidationBefore)} before, {Format(s.FinalValidationLoss)} after.");
        md.AppendLine(options.PromptTuning is not null
            ? $"- Prompt-tuning adapter in PEFT's format in `adapter/`; the base model is unchanged (use `--model {modelDirectory} --adapter adapter`)."
            : $"- Fine-tuned model in `model/`" + (result.AdapterDirectory is null ? "." : " (adapter merged); the adapter alone, in PEFT's format, in `adapter/`."));
        if (File.Exists(run.LossCurve)) md.AppendLine().AppendLine("![training and validation loss](loss.png)");
        md.AppendLine().AppendLine("## Settings").AppendLine().AppendLine("```json").AppendLine(System.Text.Json.JsonSerializer.Serialize(new { training, sft = options },
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true })).AppendLine("```");
        AtomicFile.WriteAllText(run.Report, md.ToString());
    }

    /// <summary>The model to fine-tune: the folder as it is, or (QLoRA, when --quantize-base names a format) with its projections quantized as they load, and what that saved.</summary>
    internal static Training.Modeling.CausalLanguageModel LoadBase(ModelFolder folder, string? quantizeBase)
    {
        if (QuantizedBase.Format(quantizeBase) is not { } format) return HfCheckpoint.Load(folder);
        var (model, bytes) = QuantizedBase.Load(folder, format);
        long floatBytes = model.modules().OfType<QuantizedLinear>().Sum(l => 4 * l.InFeatures * l.OutFeatures);
        Display.Info($"base: projections held as {quantizeBase} ({bytes / 1e6:F1} MB instead of {floatBytes / 1e6:F1} MB in float32)");
        return model;
    }

    private static string Format(double? loss) => loss is double v ? v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}
