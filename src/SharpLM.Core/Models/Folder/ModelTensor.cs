namespace SharpLM.Core.Models.Folder;

/// <summary>
/// One tensor a model folder's model.safetensors must hold: its transformers name, its shape as stored in the file,
/// whether the file stores it transposed relative to the [out, in] layout the code computes with (GPT-2's Conv1D
/// weights), and the name llama.cpp gives it in GGUF, where the family is exported.
/// </summary>
public sealed record ModelTensor(string Name, long[] Shape, bool StoredTransposed = false, string? GgufName = null)
{
    /// <summary>Two-dimensional: a weight matrix (which may be stored quantized), as opposed to a gain or bias vector.</summary>
    public bool IsMatrix => Shape.Length == 2;

    /// <summary>Rows and columns in the [out, in] orientation the engine reads.</summary>
    public (int Rows, int Columns) MatrixShape => StoredTransposed ? ((int)Shape[1], (int)Shape[0]) : ((int)Shape[0], (int)Shape[1]);
}
