using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Core.Formats.Peft;

/// <summary>One adapted module: the base weight it changes and its low-rank factors.</summary>
public sealed record LoraFactors(string BaseWeight, float[] A, float[] B, int Rank, int Rows, int Columns);

/// <summary>
/// A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) read and checked against the base
/// model's tensor table: every lora_A has its lora_B, names a matrix of the base model, and has the shapes of it.
/// </summary>
public sealed class PeftAdapter
{
    public PeftAdapterConfig Config { get; }
    public IReadOnlyList<LoraFactors> Modules { get; }
    /// <summary>Embedding rows trained beside the factors (trainable_token_indices), or null.</summary>
    public TokenRows? TokenRows { get; }

    private PeftAdapter(PeftAdapterConfig config, IReadOnlyList<LoraFactors> modules, TokenRows? tokenRows)
    {
        Config = config;
        Modules = modules;
        TokenRows = tokenRows;
    }

    public static PeftAdapter Load(string directory, IModelConfig baseConfig)
    {
        string path = PeftWeightsFile.Require(directory, baseConfig, "LoRA");
        var config = PeftAdapterConfig.Load(directory);
        var table = ModelTensorTable.For(baseConfig);
        using var reader = new SafetensorsReader(path);
        var modules = new List<LoraFactors>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var info in reader.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            string? module = PeftTensorNames.ModuleOfLoraA(info.Name);
            if (module is null)
            {
                if (info.Name == TokenRows.BesideLoraTensor && config.TrainableTokenIndices is not null) continue;
                if (!info.Name.EndsWith(".lora_B.weight", StringComparison.Ordinal))
                    throw new SharpLMException($"{path}: unexpected tensor '{info.Name}' (a LoRA adapter holds only lora_A and lora_B weights).");
                continue;
            }
            string baseName = PeftTensorNames.BaseWeight(module);
            if (table.Find(baseName) is not { IsMatrix: true })
                throw new SharpLMException($"{path}: tensor '{info.Name}' adapts '{baseName}', which is not a matrix of this {baseConfig.ModelType} model.");
            var (rows, columns) = table[baseName].MatrixShape;
            string bName = PeftTensorNames.LoraB(module);
            if (!reader.Contains(bName)) throw new SharpLMException($"{path}: tensor '{info.Name}' has no '{bName}'.");
            var bInfo = reader.GetInfo(bName);
            if (!info.Shape.SequenceEqual([(long)config.Rank, columns]))
                throw new SharpLMException($"{path}: tensor '{info.Name}' has shape [{string.Join(", ", info.Shape)}]; r = {config.Rank} and the base matrix imply [{config.Rank}, {columns}].");
            if (!bInfo.Shape.SequenceEqual([(long)rows, config.Rank]))
                throw new SharpLMException($"{path}: tensor '{bName}' has shape [{string.Join(", ", bInfo.Shape)}]; r = {config.Rank} and the base matrix imply [{rows}, {config.Rank}].");
            seen.Add(bName);
            modules.Add(new LoraFactors(baseName, reader.ReadFloat32(info.Name), reader.ReadFloat32(bName), config.Rank, rows, columns));
        }
        foreach (var info in reader.Tensors)
            if (info.Name.EndsWith(".lora_B.weight", StringComparison.Ordinal) && !seen.Contains(info.Name))
                throw new SharpLMException($"{path}: tensor '{info.Name}' has no matching lora_A tensor.");
        if (modules.Count == 0) throw new SharpLMException($"{path}: holds no lora_A/lora_B tensors.");
        var tokenRows = config.TrainableTokenIndices is { } ids ? TokenRows.Read(reader, path, TokenRows.BesideLoraTensor, ids, baseConfig) : null;
        return new PeftAdapter(config, modules, tokenRows);
    }

    /// <summary>Writes an adapter folder's two files into <paramref name="directory"/> (which must exist).</summary>
    public static void Write(string directory, PeftAdapterConfig config, IEnumerable<SafetensorsTensor> tensors)
    {
        config.Save(directory);
        SafetensorsWriter.Write(Path.Combine(directory, PeftTensorNames.WeightsFile), tensors);
    }
}
