using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;

namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// A PEFT prompt-tuning adapter folder: adapter_config.json and adapter_model.safetensors holding one float tensor,
/// prompt_embeddings [num_virtual_tokens, token_dim] (the name PEFT saves a prompt encoder's embedding under),
/// checked against the base model it is applied to. A reward model's (SEQ_CLS) adapter also holds its scalar head,
/// base_model.score.weight [1, token_dim], which PEFT trains whole beside the virtual tokens (modules_to_save).
/// </summary>
public sealed class PromptTuningAdapter
{
    /// <summary>The tensor name PEFT gives a prompt-learning adapter's embeddings.</summary>
    public const string TensorName = "prompt_embeddings";

    /// <summary>A SEQ_CLS adapter's head, as PEFT saves the trained copy of a prompt-learning model's score module.</summary>
    public static readonly string HeadTensorName = PeftTensorNames.PromptLearningModuleToSave("score.weight");

    public PromptTuningConfig Config { get; }
    /// <summary>Row-major [VirtualTokens, TokenDim].</summary>
    public float[] Embeddings { get; }
    /// <summary>A SEQ_CLS adapter's head [TokenDim]; null for a CAUSAL_LM adapter.</summary>
    public float[]? Head { get; }

    private PromptTuningAdapter(PromptTuningConfig config, float[] embeddings, float[]? head)
    {
        Config = config;
        Embeddings = embeddings;
        Head = head;
    }

    /// <param name="scoring">Read a reward model's SEQ_CLS adapter (virtual tokens and head) instead of a CAUSAL_LM one.</param>
    public static PromptTuningAdapter Load(string directory, IModelConfig baseConfig, bool scoring = false)
    {
        string path = PeftWeightsFile.Require(directory, baseConfig, "prompt-tuning");
        var config = PromptTuningConfig.Load(directory, scoring);
        if (config.TokenDim != baseConfig.HiddenSize)
            throw new SharpLMException($"{Path.Combine(directory, PeftConfigFile.FileName)}: field 'token_dim' is {config.TokenDim}; the base model's hidden_size is {baseConfig.HiddenSize}.");
        using var reader = new SafetensorsReader(path);
        foreach (var info in reader.Tensors)
            if (info.Name != TensorName && !(scoring && info.Name == HeadTensorName))
                throw new SharpLMException($"{path}: unexpected tensor '{info.Name}' (a prompt-tuning adapter holds only '{TensorName}'{(scoring ? $" and '{HeadTensorName}'" : "")}).");
        float[] values = PeftTensorRead.Float32(reader, path, TensorName, [config.VirtualTokens, config.TokenDim], "num_virtual_tokens and token_dim imply", "");
        float[]? head = scoring ? PeftTensorRead.Float32(reader, path, HeadTensorName, [1, config.TokenDim], "a scalar head over token_dim implies", "") : null;
        return new PromptTuningAdapter(config, values, head);
    }

    /// <summary>Writes the folder's two files into <paramref name="directory"/> (which must exist).</summary>
    public static void Write(string directory, PromptTuningConfig config, IEnumerable<SafetensorsTensor> tensors)
    {
        config.Save(directory);
        SafetensorsWriter.Write(Path.Combine(directory, PeftTensorNames.WeightsFile), tensors);
    }
}
