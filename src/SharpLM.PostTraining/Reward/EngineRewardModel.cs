using System.Numerics.Tensors;
using SharpLM.Core;
using SharpLM.Core.Formats.Chat;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.PostTraining.Reward;

/// <summary>
/// A trained reward model (`sharplm reward`'s model/ folder: the decoder and reward_head.safetensors) scoring on the
/// C# engine: the final hidden state of a sequence's last token, after the final norm, dotted with the head — what
/// <see cref="RewardModel.Rewards"/> computes in libtorch. Online RL scores every sampled completion with it, so the
/// policy stays the only libtorch model in the process. A conversation is rendered with the reward model's own chat
/// template, as its training pairs were. Not thread-safe: one session, reused.
/// </summary>
public sealed class EngineRewardModel
{
    private readonly TextEmbedder _hidden;
    private readonly float[] _head;
    private readonly ChatTemplate _template;

    private EngineRewardModel(TextEmbedder hidden, float[] head, ChatTemplate template)
    {
        _hidden = hidden;
        _head = head;
        _template = template;
    }

    /// <summary>Loads a reward model folder, or a reward run folder (its model/).</summary>
    public static EngineRewardModel Load(string path, int threads)
    {
        string directory = File.Exists(Path.Combine(path, RewardHeadFile.FileName)) || !Directory.Exists(Path.Combine(path, "model")) ? path : Path.Combine(path, "model");
        var folder = ModelFolder.Open(directory);
        var head = RewardHeadFile.Read(Path.Combine(directory, RewardHeadFile.FileName), folder.Config.HiddenSize);
        var template = new ChatTemplate(ModelFolderTokenizer.Load(folder));
        return new EngineRewardModel(EngineModel.Load(folder).NewEmbedder(threads), head, template);
    }

    /// <summary>The reward of an assistant <paramref name="completion"/> to <paramref name="prompt"/>.</summary>
    public double Score(IReadOnlyList<ChatTurn> prompt, string completion)
    {
        var ids = _template.RenderTurns(prompt.Append(new ChatTurn(ChatTurn.Assistant, completion))).Ids;
        // Training kept a sequence's first tokens when it ran past the length; the context bounds it here the same way.
        return Score(ids.AsSpan(0, Math.Min(ids.Length, _hidden.MaxPositions)));
    }

    /// <summary>The reward of a whole token sequence: the head on its last token's final hidden state.</summary>
    public double Score(ReadOnlySpan<int> tokens) => TensorPrimitives.Dot(_head, _hidden.LastHidden(tokens));
}
