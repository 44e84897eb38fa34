using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Reward;

/// <summary>
/// A Bradley–Terry reward model: the language model's decoder with a scalar head on the final hidden state of each
/// sequence's last token (transformers' LlamaForSequenceClassification with one label: a bias-free "score" Linear,
/// pooled at the last non-padding token). Everything trains, the head and every weight of the model.
/// </summary>
public sealed class RewardModel : ITrainableWeights
{
    /// <summary>The head's tensor name, as transformers names it.</summary>
    public const string ScoreName = "score.weight";

    private readonly LlamaForCausalLM _model;

    public Parameter Score { get; }

    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    public RewardModel(CausalLanguageModel model, long seed)
    {
        _model = model as LlamaForCausalLM
            ?? throw new SharpLMException($"reward models put a head on Llama-family models; this is a {model.Config.ModelType} model.");
        // transformers initialises the score head like every Linear: normal(0, initializer_range).
        using var generator = new Generator((ulong)seed, CPU);
        using (no_grad())
            Score = new Parameter(empty([1, _model.Architecture.HiddenSize]).normal_(0, _model.Architecture.InitializerRange, generator));
        Parameters = [.. model.named_parameters(), (ScoreName, Score)];
    }

    /// <summary>Scores [B] of token rows [B, T]: the head applied to the hidden state at each row's <paramref name="lastIndex"/>.</summary>
    public Tensor Rewards(Tensor inputs, SequenceLayout? layout, Tensor lastIndex)
    {
        using var scope = NewDisposeScope();
        var hidden = _model.Decoder.Forward(inputs, layout);
        var last = hidden.gather(1, lastIndex.view(-1, 1, 1).expand(-1, 1, hidden.shape[2])).squeeze(1);
        return nn.functional.linear(last, Score).squeeze(-1).MoveToOuterDisposeScope();
    }

    public bool Decays(string name, Parameter parameter) => name == ScoreName || Pretrainer.DecaysWeight(_model, name, parameter);

    public string FileName => "reward_model.safetensors";

    public IEnumerable<SafetensorsTensor> Export() => NamedParameterFile.Export(Parameters);

    public void Load(string path) => NamedParameterFile.Load(path, Parameters, "the file belongs to another model");
}
