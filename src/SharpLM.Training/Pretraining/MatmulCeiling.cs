using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// Measures what this machine's libtorch reaches on a large float32 matrix multiply, the ceiling against which
/// a training run's achieved FLOP rate (model FLOPs utilisation) is reported.
/// </summary>
public static class MatmulCeiling
{
    public static double MeasureGflops(int size = 1024, double seconds = 1.0) =>
        Benchmarks.TrainingBenchmark.MatmulGflops(ScalarType.Float32, size, seconds);
}
