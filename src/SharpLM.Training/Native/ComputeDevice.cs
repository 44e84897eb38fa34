using SharpLM.Core;
using static TorchSharp.torch;

namespace SharpLM.Training.Native;

/// <summary>Resolves "cpu" / "cuda" / "cuda:N" to a libtorch device, with a clear error when CUDA is absent.</summary>
public static class ComputeDevice
{
    public static Device Resolve(string name)
    {
        TorchRuntime.EnsureLoaded();
        if (name == "cpu") return CPU;
        if (name == "cuda" || name.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new SharpLMException(
                    $"device '{name}' was requested but CUDA is not available: SharpLM references the CPU build of libtorch (libtorch-cpu-linux-x64). " +
                    "To train on an NVIDIA GPU, reference TorchSharp-cuda-linux instead (see DEVELOPERS.md, \"GPU training\").");
            return new Device(name);
        }
        throw new SharpLMException($"device '{name}' is not one of cpu, cuda, cuda:N.");
    }
}
