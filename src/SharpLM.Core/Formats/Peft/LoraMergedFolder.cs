using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// PEFT's merge_and_unload as files: a new model folder whose adapted matrices are W + scaling · B·A (and whose
/// embedding rows are the adapter's trainable tokens, if it has any), every other tensor and file as in the base,
/// written float32 and published atomically.
/// </summary>
public static class LoraMergedFolder
{
    /// <returns>How many matrices the adapter changed.</returns>
    public static int Write(string baseDirectory, string adapterDirectory, string outputDirectory)
    {
        var folder = ModelFolder.Open(baseDirectory);
        if (Path.GetFullPath(baseDirectory).TrimEnd('/') == Path.GetFullPath(outputDirectory).TrimEnd('/'))
            throw new SharpLMException($"--out '{outputDirectory}' is the base model folder itself; choose a new folder.");
        var adapter = PeftAdapter.Load(adapterDirectory, folder.Config);
        var byWeight = adapter.Modules.ToDictionary(m => m.BaseWeight, StringComparer.Ordinal);
        var tensors = new List<SafetensorsTensor>();
        using (var weights = folder.OpenWeights())
        {
            foreach (var spec in weights.Table.Tensors)
            {
                if (StoredMatrixLayout.IsQuantized(weights.Info(spec.Name).DType))
                    throw new SharpLMException($"{weights.Path}: tensor '{spec.Name}' is quantized; merge into the float model folder and quantize afterwards.");
                float[] values = weights.ReadFloat32(spec.Name);
                if (byWeight.TryGetValue(spec.Name, out var module))
                    LoraMerge.Apply(values, module.Rows, module.Columns, module.A, module.B, module.Rank, adapter.Config.Scaling);
                if (spec.Name == TokenRows.EmbeddingWeight) adapter.TokenRows?.WriteInto(values, folder.Config.HiddenSize);
                tensors.Add(SafetensorsTensor.FromFloat32(spec.Name, spec.Shape, values));
            }
        }
        ModelFolder.Write(outputDirectory, staging =>
        {
            folder.Config.Save(Path.Combine(staging, ModelFolder.ConfigFile));
            SafetensorsWriter.Write(Path.Combine(staging, ModelFolder.WeightsFile), tensors);
            ModelFolder.CopyCompanionFiles(baseDirectory, staging);
        });
        return byWeight.Count;
    }
}
