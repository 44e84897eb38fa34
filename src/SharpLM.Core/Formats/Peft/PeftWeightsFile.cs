using SharpLM.Core.Models;

namespace SharpLM.Core.Formats.Peft;

/// <summary>What every PEFT adapter folder must give before its tensors are read: the folder, its weights file, and a base it can apply to.</summary>
internal static class PeftWeightsFile
{
    /// <summary>Checks the folder, the weights file and the base model's family; returns the weights file's path.</summary>
    /// <param name="kind">The adapter's kind for the messages ("LoRA", "prompt-tuning").</param>
    public static string Require(string directory, IModelConfig baseConfig, string kind)
    {
        IO.InputFiles.RequireDirectory(directory, "adapter");
        string path = Path.Combine(directory, PeftTensorNames.WeightsFile);
        IO.InputFiles.RequireFile(path, "PEFT adapter weights");
        // The engine applies adapters only to its Llama path; this is the one place that says so for adapter files.
        if (baseConfig is not LlamaConfig)
            throw new SharpLMException($"{path}: {kind} adapters apply to Llama-family models; the base is a {baseConfig.ModelType} model.");
        return path;
    }
}
