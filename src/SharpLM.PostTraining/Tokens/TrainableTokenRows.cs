using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tokens;

/// <summary>
/// PEFT's trainable tokens: the embedding rows of a few chosen tokens are the only parameters trained; every other
/// weight stays frozen. As PEFT does, the parameter holds the rows' new values (not differences), starts from the
/// base's rows, and replaces them in the matrix with index_copy wherever the forward pass reads it: the lookup and,
/// with tied embeddings, the output projection, so a token learns both how it reads and when it is predicted.
/// This is how a chat template's special tokens, never seen in pretraining, can be taught while the weights that
/// hold what the base model knows are left exactly as they are.
/// </summary>
public sealed class TrainableTokenRows : ITrainableWeights, IDisposable
{
    private readonly LlamaForCausalLM _model;
    private readonly Tensor _indices;

    /// <summary>The trained token ids, ascending (the row order of <see cref="Values"/>).</summary>
    public IReadOnlyList<int> TokenIds { get; }

    /// <summary>[tokens, hidden]: the rows' current values.</summary>
    public Parameter Values { get; }

    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    /// <param name="besideLora">Whether the rows train beside LoRA adapters, which PEFT saves under another tensor name.</param>
    public TrainableTokenRows(CausalLanguageModel model, IEnumerable<int> tokenIds, bool besideLora = false)
    {
        if (model is not LlamaForCausalLM llama) throw new SharpLMException($"trainable tokens support Llama-family models; this is a {model.Config.ModelType} model.");
        int[] ids = tokenIds.Distinct().Order().ToArray();
        if (ids.Length == 0) throw new SharpLMException("option '--trainable-tokens' names no token.");
        int vocabulary = llama.Architecture.VocabSize;
        foreach (int id in ids)
            if (id < 0 || id >= vocabulary) throw new SharpLMException($"option '--trainable-tokens': token id {id} is outside the model's vocabulary (0–{vocabulary - 1}).");
        _model = llama;
        TokenIds = ids;
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        var weight = llama.Decoder.EmbeddingWeight;
        _indices = tensor(ids.Select(i => (long)i).ToArray(), device: weight.device);
        using (no_grad()) Values = new Parameter(weight.index_select(0, _indices).detach().clone(), true);
        Parameters = [(besideLora ? Core.Formats.Peft.TokenRows.BesideLoraTensor : Core.Formats.Peft.TokenRows.StandaloneTensor, Values)];
        llama.Decoder.EmbeddingRows = matrix => matrix.index_copy(0, _indices, Values.to_type(matrix.dtype));
    }

    /// <summary>Checks a verb's --trainable-tokens against its other choices: rows train alone or beside LoRA, not beside prompt tuning.</summary>
    public static void Validate(IReadOnlyList<int>? tokenIds, PromptTuning.PromptTuningOptions? promptTuning, string origin)
    {
        if (tokenIds is { Count: 0 }) throw new SharpLMException($"{origin}: option '--trainable-tokens' names no token.");
        if (tokenIds is not null && promptTuning is not null)
            throw new SharpLMException($"{origin}: options '--trainable-tokens' and '--prompt-tuning' train different adapters; choose one.");
    }

    /// <summary>Not decayed, as the embedding matrix they belong to is not decayed in pretraining.</summary>
    public bool Decays(string name, Parameter parameter) => false;

    public string FileName => Core.Formats.Peft.PeftTensorNames.WeightsFile;

    public IEnumerable<SafetensorsTensor> Export() => NamedParameterFile.Export(Parameters);

    public void Load(string path) => NamedParameterFile.Load(path, Parameters, "the file is not a trainable-tokens adapter");

    /// <summary>Writes a standalone PEFT trainable-tokens adapter (adapter_config.json, adapter_model.safetensors) into an existing folder.</summary>
    public void SavePeft(string directory, string baseModel) => Core.Formats.Peft.TrainableTokensAdapter.Write(directory, baseModel, TokenIds, Export());

    /// <summary>Writes the rows into the embedding matrix and stops replacing them: the model alone now computes what the pair did.</summary>
    public void MergeAndUnload()
    {
        using (no_grad()) _model.Decoder.EmbeddingWeight.index_copy_(0, _indices, Values.to_type(_model.Decoder.EmbeddingWeight.dtype));
        _model.Decoder.EmbeddingRows = null;
    }

    public void Dispose()
    {
        _model.Decoder.EmbeddingRows = null;
        Values.Dispose();
        _indices.Dispose();
    }
}
