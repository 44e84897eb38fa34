using System.Numerics.Tensors;
using SharpLM.Core;
using SharpLM.Core.Formats.Chat;
using SharpLM.Core.Formats.Peft;
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
/// template, as its training pairs were. A prompt-tuned reward model (a run whose result is its SEQ_CLS adapter) is
/// its base folder with the adapter's virtual tokens applied by the engine and the adapter's head. Not thread-safe:
/// one session, reused.
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

    /// <summary>Loads a reward model folder, a reward run folder (its model/), or a prompt-tuned reward run or its adapter/.</summary>
    public static EngineRewardModel Load(string path, int threads)
    {
        if (PromptAdapter(path) is { } adapter) return LoadPrompted(adapter, threads);
        string directory = File.Exists(Path.Combine(path, RewardHeadFile.FileName)) || !Directory.Exists(Path.Combine(path, "model")) ? path : Path.Combine(path, "model");
        var folder = ModelFolder.Open(directory);
        var head = RewardHeadFile.Read(Path.Combine(directory, RewardHeadFile.FileName), folder.Config.HiddenSize);
        var template = new ChatTemplate(ModelFolderTokenizer.Load(folder));
        return new EngineRewardModel(EngineModel.Load(folder).NewEmbedder(threads), head, template);
    }

    /// <summary>The SEQ_CLS prompt-tuning adapter <paramref name="path"/> is (or its run's adapter/, when the run wrote no model/), or null.</summary>
    private static string? PromptAdapter(string path)
    {
        if (File.Exists(Path.Combine(path, RewardHeadFile.FileName)) || Directory.Exists(Path.Combine(path, "model"))) return null;
        foreach (string candidate in new[] { path, Path.Combine(path, "adapter") })
            if (File.Exists(Path.Combine(candidate, PeftConfigFile.FileName)) && PeftAdapterType.Read(candidate) == PeftAdapterType.PromptTuning) return candidate;
        return null;
    }

    private static EngineRewardModel LoadPrompted(string adapter, int threads)
    {
        var config = PromptTuningConfig.Load(adapter, scoring: true);
        if (!Directory.Exists(config.BaseModel))
            throw new SharpLMException($"{Path.Combine(adapter, PeftConfigFile.FileName)}: field 'base_model_name_or_path' is '{config.BaseModel}', which is not a model folder here.");
        var folder = ModelFolder.Open(config.BaseModel);
        var (model, head) = EngineModel.LoadScoringPrompt(folder, adapter);
        return new EngineRewardModel(model.NewEmbedder(threads), head, new ChatTemplate(ModelFolderTokenizer.Load(folder)));
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
