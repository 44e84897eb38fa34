using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;

namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// A PEFT prompt-tuning adapter folder: adapter_config.json and adapter_model.safetensors holding one float tensor,
/// prompt_embeddings [num_virtual_tokens, token_dim] (the name PEFT saves a prompt encoder's embedding under),
/// checked against the base model it is applied to.
/// </summary>
public sealed class PromptTuningAdapter
{
    /// <summary>The tensor name PEFT gives a prompt-learning adapter's embeddings.</summary>
    public const string TensorName = "prompt_embeddings";

    public PromptTuningConfig Config { get; }
    /// <summary>Row-major [VirtualTokens, TokenDim].</summary>
    public float[] Embeddings { get; }

    private PromptTuningAdapter(PromptTuningConfig config, float[] embeddings)
    {
        Config = config;
        Embeddings = embeddings;
    }

    public static PromptTuningAdapter Load(string directory, IModelConfig baseConfig)
    {
        string path = PeftWeightsFile.Require(directory, baseConfig, "prompt-tuning");
        var config = PromptTuningConfig.Load(directory);
        if (config.TokenDim != baseConfig.HiddenSize)
            throw new SharpLMException($"{Path.Combine(directory, PeftConfigFile.FileName)}: field 'token_dim' is {config.TokenDim}; the base model's hidden_size is {baseConfig.HiddenSize}.");
        using var reader = new SafetensorsReader(path);
        foreach (var info in reader.Tensors)
            if (info.Name != TensorName)
                throw new SharpLMException($"{path}: unexpected tensor '{info.Name}' (a prompt-tuning adapter holds only '{TensorName}').");
        float[] values = PeftTensorRead.Float32(reader, path, TensorName, [config.VirtualTokens, config.TokenDim], "num_virtual_tokens and token_dim imply", "");
        return new PromptTuningAdapter(config, values);
    }

    /// <summary>Writes the folder's two files into <paramref name="directory"/> (which must exist).</summary>
    public static void Write(string directory, PromptTuningConfig config, IEnumerable<SafetensorsTensor> tensors)
    {
        config.Save(directory);
        SafetensorsWriter.Write(Path.Combine(directory, PeftTensorNames.WeightsFile), tensors);
    }
}
