using static TorchSharp.torch.utils.tensorboard;

namespace SharpLM.Training.Pretraining;

/// <summary>Training scalars as TensorBoard event files (`tensorboard --logdir RUN/tensorboard`), through TorchSharp's writer.</summary>
public sealed class TensorBoardLog
{
    private readonly TorchSharp.Modules.SummaryWriter _writer;

    public TensorBoardLog(string directory)
    {
        Native.TorchRuntime.EnsureLoaded();
        _writer = SummaryWriter(directory);
    }

    public void Write(TrainingStepReport report)
    {
        _writer.add_scalar("train/loss", (float)report.Loss, report.Step);
        _writer.add_scalar("train/learning_rate", (float)report.LearningRate, report.Step);
        _writer.add_scalar("train/grad_norm", (float)report.GradientNorm, report.Step);
        _writer.add_scalar("perf/tokens_per_second", (float)report.TokensPerSecond, report.Step);
        if (report.ValidationLoss is double v) _writer.add_scalar("val/loss", (float)v, report.Step);
    }
}
