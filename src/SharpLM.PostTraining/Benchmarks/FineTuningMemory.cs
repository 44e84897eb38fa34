using SharpLM.Core.Models;
using SharpLM.Inference.Kernels;
using SharpLM.PostTraining.Lora;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Benchmarks;

/// <summary>
/// Bytes one fine-tuning mode holds: what is accounted tensor by tensor, and the process's resident memory: after
/// building the model (and quantizing its base), the peak while building, and the peak during the steps alone (the
/// high-water mark is reset between the two where the kernel allows it; otherwise the steps' peak is the process's).
/// </summary>
public sealed record FineTuningMemoryReport(string Mode, long BaseWeightBytes, long TrainableParameters, long GradientBytes, long OptimizerBytes,
    long ResidentBeforeSteps, long ResidentPeakBuilding, long ResidentPeak, bool StepsPeakAlone, double SecondsPerStep);

/// <summary>
/// A few AdamW steps of full fine-tuning, LoRA or QLoRA on a random-weight Llama, measuring memory. Peak RSS is
/// per process, so each mode runs in its own process (the CLI runs this once per invocation).
/// </summary>
public static class FineTuningMemory
{
    public static readonly string[] Modes = ["full", "lora", "qlora-q8_0", "qlora-q4"];

    public static FineTuningMemoryReport Run(LlamaConfig config, string mode, int steps, int length, int rank, Action<int>? onStep = null)
    {
        if (!Modes.Contains(mode)) throw new Core.SharpLMException($"option '--mode' is '{mode}'; use one of {string.Join(", ", Modes)}.");
        long quantized = 0;
        LlamaForCausalLM Build()
        {
            if (!mode.StartsWith("qlora-")) return new LlamaForCausalLM(config);
            // As a QLoRA run loads its base: each projection quantized as it is made, never all in float32 at once.
            using var random = new Generator(1, CPU);
            var (built, bytes) = QuantizedBase.Build(config, WeightFormats.Parse(mode["qlora-".Length..]), (_, rows, columns) =>
            {
                using var values = normal(0, config.InitializerRange, [rows, columns], generator: random);
                return values.data<float>().ToArray();
            });
            quantized = bytes;
            return built;
        }
        using var model = Build();
        model.InitializeWeights(1);
        model.train();
        long baseBytes = model.parameters().Sum(p => p.numel() * 4) + quantized;
        using var adapters = mode == "full" ? null : new LoraAdapters(model, new LoraOptions { Rank = rank, Dropout = 0 }, seed: 1);
        var trainable = adapters is null ? model.parameters().ToList() : adapters.Parameters.Select(p => p.Parameter).ToList();
        long trainableCount = trainable.Sum(p => p.numel());
        using var optimizer = optim.AdamW(trainable, lr: 1e-4);
        using var generator = new Generator(2, CPU);
        long buildingPeak = ResidentPeak.Peak();
        GC.Collect();
        long residentBefore = ResidentPeak.Current();
        bool stepsAlone = ResidentPeak.Reset();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int step = 1; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            var tokens = randint(0, config.VocabSize, [1, length + 1], dtype: ScalarType.Int64, generator: generator);
            var logits = model.forward(tokens[.., ..^1]);
            var loss = nn.functional.cross_entropy(logits.view(-1, config.VocabSize), tokens[.., 1..].reshape(-1));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            onStep?.Invoke(step);
        }
        return new FineTuningMemoryReport(mode, baseBytes, trainableCount, trainableCount * 4, trainableCount * 8, residentBefore, buildingPeak, ResidentPeak.Peak(),
            stepsAlone, clock.Elapsed.TotalSeconds / steps);
    }
}

/// <summary>The process's resident set, read from /proc/self/status (VmRSS now, VmHWM the peak) on Linux.</summary>
public static class ResidentPeak
{
    public static long Current() => Read("VmRSS:");
    public static long Peak() => Read("VmHWM:");

    /// <summary>Resets the peak to the current resident set (Linux: "5" to /proc/self/clear_refs); false where that is unavailable.</summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return Environment.WorkingSet;
        foreach (string line in File.ReadLines(status))
            if (line.StartsWith(key)) return long.Parse(line[key.Length..].Trim().Split(' ')[0]) * 1024;
        return Environment.WorkingSet;
    }
}
