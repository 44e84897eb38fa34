namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// The element type asked for a GGUF export. It applies to 2-D weight matrices; 1-D tensors (norm weights)
/// stay F32 as llama.cpp keeps them, and Q8_0 falls back to F16 for matrices whose rows are not a multiple of 32.
/// </summary>
public enum GgufExportType
{
    F32,
    F16,
    Q8_0,
}

public static class GgufExportTypes
{
    public static IReadOnlyList<string> Names { get; } = ["f32", "f16", "q8_0"];

    public static GgufExportType Parse(string name) => name.ToLowerInvariant() switch
    {
        "f32" => GgufExportType.F32,
        "f16" => GgufExportType.F16,
        "q8_0" => GgufExportType.Q8_0,
        _ => throw new SharpLMException($"--type '{name}' is not one of {string.Join(", ", Names)}."),
    };

    /// <summary>llama.cpp's general.file_type (LLAMA_FTYPE_ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q8_0 = 7).</summary>
    public static uint FileType(this GgufExportType type) => type switch
    {
        GgufExportType.F32 => 0,
        GgufExportType.F16 => 1,
        _ => 7,
    };
}
