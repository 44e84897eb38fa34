namespace SharpLM.Inference.Kernels;

/// <summary>How a weight matrix's values are stored in memory (and in a quantized model folder).</summary>
public enum WeightFormat
{
    /// <summary>IEEE float32: 4 bytes per value.</summary>
    F32,
    /// <summary>bfloat16 (the upper half of a float32): 2 bytes per value.</summary>
    BF16,
    /// <summary>Groups of 32 signed bytes sharing one float scale (max|x| / 127): about 8.1 bits per value in memory.</summary>
    Q8_0,
    /// <summary>Groups of 32 four-bit codes u sharing one float scale d, value = d·(u − 8), symmetric around zero: about 4.1 bits per value in memory.</summary>
    Q4,
}

public static class WeightFormats
{
    public static string Name(this WeightFormat format) => format switch
    {
        WeightFormat.F32 => "fp32",
        WeightFormat.BF16 => "bf16",
        WeightFormat.Q8_0 => "q8_0",
        WeightFormat.Q4 => "q4",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>Parses the names <see cref="Name"/> gives (case-insensitive; "f32" is accepted for fp32).</summary>
    public static WeightFormat Parse(string name) => name.ToLowerInvariant() switch
    {
        "fp32" or "f32" => WeightFormat.F32,
        "bf16" => WeightFormat.BF16,
        "q8_0" => WeightFormat.Q8_0,
        "q4" => WeightFormat.Q4,
        _ => throw new Core.SharpLMException($"unknown weight format '{name}': expected fp32, bf16, q8_0 or q4."),
    };
}
