using System.Text;
using SharpLM.Core.IO;
using SharpLM.Core.Runs;
using SharpLM.Training.Pretraining;

namespace SharpLM.Cli.Stages;

/// <summary>report.md of a pretrain run: what was trained, how it went, the loss curve.</summary>
public static class PretrainReport
{
    public static void Write(RunFolder run, PretrainConfig config, PretrainResult result)
    {
        var s = result.Summary;
        var md = new StringBuilder();
        md.AppendLine("# SharpLM pretraining report").AppendLine();
        md.AppendLine($"Written {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores.").AppendLine();
        md.AppendLine($"- Model: {result.Parameters / 1e6:F2}M parameters; architecture in `model_config.json`, weights in `model/`.");
        md.AppendLine($"- Reached step {s.Steps} of {config.Training.Steps}: {s.TokensSeen:N0} tokens in total.");
        md.AppendLine($"- Final training loss {s.FinalLoss:F3}" + (s.FinalValidationLoss is double v ? $", validation loss {v:F3}" : "") +
                      $" nats/token; unigram entropy {result.UnigramEntropy:F3}.");
        md.AppendLine($"- This session: {s.Elapsed.TotalSeconds:F0} s, {s.MeanTokensPerSecond:F0} tokens/s, {s.MeanAchievedGflops:F1} GFLOP/s = " +
                      $"{100 * s.MeanAchievedGflops / result.MatmulCeilingGflops:F0}% of the {result.MatmulCeilingGflops:F0} GFLOP/s matmul ceiling.");
        md.AppendLine("- Every step is in `metrics.jsonl`; TensorBoard event files are in `tensorboard/`; resumable checkpoints in `checkpoints/`.").AppendLine();
        if (File.Exists(run.LossCurve)) md.AppendLine("![training and validation loss](loss.png)").AppendLine();
        md.AppendLine("## Config").AppendLine().AppendLine("```json").AppendLine(config.ToJson()).AppendLine("```");
        AtomicFile.WriteAllText(run.Report, md.ToString());
    }
}
