using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.Training.Pretraining;

/// <summary>The optimizer seam of <see cref="Pretrainer"/>: AdamW whole on every rank, or sharded over ranks (ZeRO stage 1).</summary>
public interface ITrainingOptimizer : IDisposable
{
    /// <summary>Number of updates applied so far.</summary>
    long StepCount { get; }

    /// <summary>Float32 values of optimizer state this process holds (both moments).</summary>
    long StateElements { get; }

    /// <summary>
    /// Whether <see cref="ExportState"/> is a collective that every rank must call, not only the checkpoint writer
    /// (rank 0, the only rank it then returns the state to).
    /// </summary>
    bool ExportIsCollective { get; }

    void ZeroGrad();

    void Step(double learningRate);

    /// <summary>The moments as named float32 tensors ("NAME.exp_avg", "NAME.exp_avg_sq") of the parameters' shapes, whatever the sharding.</summary>
    IReadOnlyList<SafetensorsTensor> ExportState();

    void ImportState(SafetensorsReader reader, long stepCount);
}
