using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.PostTraining.Reward;

/// <summary>
/// <c>reward_head.safetensors</c>, written into the reward model's folder beside model.safetensors: one float32 tensor
/// <c>score.weight</c> [1, hidden_size] (transformers' LlamaForSequenceClassification name), and metadata
/// <c>format: pt</c>, <c>pooling: last_token</c> (the hidden state after the final norm at the sequence's last token),
/// <c>loss: bradley_terry</c>. The reward of a sequence is score.weight · h_last.
/// </summary>
public static class RewardHeadFile
{
    public const string FileName = "reward_head.safetensors";

    public static void Write(string path, float[] weight)
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["pooling"] = "last_token", ["loss"] = "bradley_terry" };
        SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32(RewardModel.ScoreName, [1, weight.Length], weight)], metadata);
    }

    /// <summary>The head's weights, checked against the model's hidden size.</summary>
    public static float[] Read(string path, int hiddenSize)
    {
        if (!File.Exists(path)) throw new SharpLMException($"{path}: no reward head here; train one with 'sharplm reward'.");
        using var reader = new SafetensorsReader(path);
        if (!reader.Contains(RewardModel.ScoreName)) throw new SharpLMException($"{path}: tensor '{RewardModel.ScoreName}' is missing.");
        var info = reader.GetInfo(RewardModel.ScoreName);
        if (info.Shape is not [1, var h] || h != hiddenSize)
            throw new SharpLMException($"{path}: tensor '{RewardModel.ScoreName}' has shape [{string.Join(", ", info.Shape)}], expected [1, {hiddenSize}].");
        return reader.ReadFloat32(RewardModel.ScoreName);
    }
}
