using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.Core.Formats.Peft;

/// <summary>Reads one float tensor of an adapter file after the checks every adapter tensor gets: present, of the shape its config implies, every value finite.</summary>
internal static class PeftTensorRead
{
    /// <param name="implied">Says, after "; ", what implies <paramref name="shape"/> ("num_virtual_tokens and token_dim imply").</param>
    public static float[] Float32(SafetensorsReader reader, string path, string name, long[] shape, string implied, string missing)
    {
        if (!reader.Contains(name)) throw new SharpLMException($"{path}: tensor '{name}' is missing{missing}.");
        var actual = reader.GetInfo(name).Shape;
        if (!actual.SequenceEqual(shape))
            throw new SharpLMException($"{path}: tensor '{name}' has shape [{string.Join(", ", actual)}]; {implied} [{string.Join(", ", shape)}].");
        float[] values = reader.ReadFloat32(name);
        foreach (float v in values)
            if (!float.IsFinite(v)) throw new SharpLMException($"{path}: tensor '{name}' holds a NaN or infinite value.");
        return values;
    }
}
