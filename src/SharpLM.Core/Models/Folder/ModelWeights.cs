using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.Core.Models.Folder;

/// <summary>
/// A model.safetensors opened against the config.json it belongs to and checked whole before anything reads it:
/// every tensor the config implies is there with the implied shape (as floats, or quantized per
/// <see cref="StoredMatrixLayout"/> for matrices), nothing else is there but what exports commonly add, and no
/// float weight holds NaN or infinity. Every reader of a model's weights — the engine, the TorchSharp model, the
/// exporters — opens them through here, so they all accept and refuse the same folders.
/// </summary>
public sealed class ModelWeights : IDisposable
{
    private readonly string _prefixToDrop;

    public SafetensorsReader Reader { get; }
    public IModelConfig Config { get; }
    public ModelTensorTable Table { get; }
    public string Path => Reader.Path;

    private ModelWeights(SafetensorsReader reader, IModelConfig config)
    {
        Reader = reader;
        Config = config;
        Table = ModelTensorTable.For(config);
        // The original GPT-2 exports name tensors without transformers' "transformer." prefix.
        _prefixToDrop = config is Gpt2Config && !reader.Contains(Gpt2TensorNames.TokenEmbeddings) && reader.Contains("wte.weight")
            ? Gpt2TensorNames.Prefix : "";
    }

    /// <summary>Opens and checks <paramref name="path"/>; every problem is one <see cref="SharpLMException"/> naming the file and tensor.</summary>
    public static ModelWeights Open(IModelConfig config, string path)
    {
        IO.InputFiles.RequireFile(path, "model weights");
        var reader = new SafetensorsReader(path);
        var weights = new ModelWeights(reader, config);
        try
        {
            weights.Check();
            return weights;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The name tensor <paramref name="name"/> (a table name) has in this file.</summary>
    public string NameInFile(string name) =>
        _prefixToDrop.Length > 0 && name.StartsWith(_prefixToDrop, StringComparison.Ordinal) ? name[_prefixToDrop.Length..] : name;

    public SafetensorsTensorInfo Info(string name) => Reader.GetInfo(NameInFile(name));

    /// <summary>A float tensor of the table as float32 values, in the orientation stored in the file.</summary>
    public float[] ReadFloat32(string name) => Reader.ReadFloat32(NameInFile(name));

    private void Check()
    {
        var expectedInFile = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in Table.Tensors)
        {
            string name = NameInFile(tensor.Name);
            expectedInFile.Add(name);
            if (!Reader.Contains(name)) throw Problem($"tensor '{name}' is missing");
            var info = Reader.GetInfo(name);
            if (tensor.IsMatrix && StoredMatrixLayout.IsQuantized(info.DType) && !tensor.StoredTransposed)
                CheckQuantized(name, info, tensor);
            else if (StoredMatrixLayout.IsFloat(info.DType))
                RequireShape(name, info, tensor.Shape, null);
            else
                throw Problem($"tensor '{name}' has dtype {info.DType.ToHeaderName()}; " +
                    (tensor.IsMatrix && !tensor.StoredTransposed ? "weights must be F32, F16, BF16, I8 (Q8_0) or U8 (Q4)" : "it must be F32, F16 or BF16"));
            RequireFinite(name, info);
        }
        foreach (var info in Reader.Tensors)
        {
            if (expectedInFile.Contains(info.Name) || Table.IsIgnorable(info.Name)) continue;
            bool scaleOfQuantized = info.Name.EndsWith(StoredMatrixLayout.ScaleSuffix, StringComparison.Ordinal)
                && expectedInFile.Contains(info.Name[..^StoredMatrixLayout.ScaleSuffix.Length])
                && StoredMatrixLayout.IsQuantized(Reader.GetInfo(info.Name[..^StoredMatrixLayout.ScaleSuffix.Length]).DType);
            if (!scaleOfQuantized)
                throw Problem($"unexpected tensor '{info.Name}' (not part of a {Config.ModelType} model with this config.json)");
        }
    }

    private void CheckQuantized(string name, SafetensorsTensorInfo info, ModelTensor tensor)
    {
        var (rows, columns) = tensor.MatrixShape;
        var (codeShape, what) = StoredMatrixLayout.CodeShape(info.DType, rows, columns);
        RequireShape(name, info, codeShape, what);
        string scaleName = StoredMatrixLayout.ScaleName(name);
        if (!Reader.Contains(scaleName)) throw Problem($"quantized tensor '{name}' has no '{scaleName}' tensor of group scales");
        if (columns % StoredMatrixLayout.GroupSize != 0)
            throw Problem($"tensor '{name}' is quantized but its {columns} columns are not a multiple of {StoredMatrixLayout.GroupSize}");
        var scale = Reader.GetInfo(scaleName);
        long[] scaleShape = StoredMatrixLayout.ScaleShape(rows, columns);
        if (scale.DType != SafetensorsDType.F16 || !scale.Shape.SequenceEqual(scaleShape))
            throw Problem($"tensor '{scaleName}' must be F16 [{string.Join(", ", scaleShape)}] (got {scale.DType.ToHeaderName()} [{string.Join(", ", scale.Shape)}])");
        RequireFinite(scaleName, scale);
    }

    private void RequireShape(string name, SafetensorsTensorInfo info, long[] stored, string? what)
    {
        if (info.Shape.SequenceEqual(stored)) return;
        throw Problem($"tensor '{name}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", stored)}]" +
            (what is null ? "" : $" ({what})"));
    }

    private void RequireFinite(string name, SafetensorsTensorInfo info)
    {
        long index = NonFiniteScan.FirstIndex(Reader.GetBytes(name), info.DType);
        if (index >= 0)
            throw Problem($"tensor '{name}' holds a non-finite value (NaN or infinity) at element {index}; the weights are corrupt or training diverged");
    }

    private SharpLMException Problem(string what) => new($"{Path}: {what}.");

    public void Dispose() => Reader.Dispose();
}
