using System.Diagnostics;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// Measures what this machine's libtorch reaches on a large float32 matrix multiply, the ceiling against which
/// a training run's achieved FLOP rate (model FLOPs utilisation) is reported.
/// </summary>
public static class MatmulCeiling
{
    public static double MeasureGflops(int size = 1024, double seconds = 1.0)
    {
        Native.TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(size, size);
        var b = randn(size, size);
        mm(a, b).Dispose(); // warm-up: thread pool and kernel selection
        var clock = Stopwatch.StartNew();
        int iterations = 0;
        while (clock.Elapsed.TotalSeconds < seconds || iterations < 3)
        {
            mm(a, b).Dispose();
            iterations++;
        }
        return 2.0 * size * size * size * iterations / clock.Elapsed.TotalSeconds / 1e9;
    }
}
