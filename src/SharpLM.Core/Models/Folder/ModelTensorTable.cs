namespace SharpLM.Core.Models.Folder;

/// <summary>The tensors a config.json implies, by name: what model.safetensors must hold, and what it may hold besides.</summary>
public sealed class ModelTensorTable
{
    private readonly IModelConfig _config;
    private readonly Dictionary<string, ModelTensor> _byName;

    public IReadOnlyList<ModelTensor> Tensors { get; }

    private ModelTensorTable(IModelConfig config, IReadOnlyList<ModelTensor> tensors)
    {
        _config = config;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public static ModelTensorTable For(IModelConfig config) => config switch
    {
        LlamaConfig llama => new(config, LlamaTensorNames.Table(llama)),
        Gpt2Config gpt2 => new(config, Gpt2TensorNames.Table(gpt2)),
        _ => throw new ArgumentException($"No tensor table for config type {config.GetType().Name}.", nameof(config)),
    };

    public ModelTensor? Find(string name) => _byName.GetValueOrDefault(name);

    public ModelTensor this[string name] => _byName.TryGetValue(name, out var tensor)
        ? tensor : throw new ArgumentException($"'{name}' is not a tensor of a {_config.ModelType} model.", nameof(name));

    /// <summary>A tensor that is not a weight of this model but that exports commonly carry and loaders skip.</summary>
    public bool IsIgnorable(string name) => _config switch
    {
        LlamaConfig llama => LlamaTensorNames.IsIgnorable(llama, name),
        Gpt2Config => Gpt2TensorNames.IsIgnorable(name),
        _ => false,
    };
}
