using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.PostTraining.Distillation;

/// <summary>
/// Knowledge distillation's settings: the teacher's k most likely next tokens per position, the temperature both
/// distributions are softened by, and the weight of the distillation term against the data's cross-entropy.
/// </summary>
public sealed record DistillOptions
{
    [JsonPropertyName("top_k")] public int TopK { get; init; } = 32;
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 2.0;
    /// <summary>loss = alpha · T² · KL(teacher_T ‖ student_T) + (1 − alpha) · cross-entropy on the data.</summary>
    [JsonPropertyName("alpha")] public double Alpha { get; init; } = 0.5;
    /// <summary>SHA-256 of the teacher's model.safetensors, so a resume with another teacher is refused.</summary>
    [JsonPropertyName("teacher_weights_sha256")] public string TeacherFingerprint { get; init; } = "";

    /// <summary>Whether the teacher is run at all: with alpha 0 its term is multiplied by zero.</summary>
    [JsonIgnore] public bool UsesTeacher => Alpha > 0;

    /// <param name="vocabularySize">The shared vocabulary's size once known; null checks the settings alone.</param>
    public void Validate(string origin, int? vocabularySize = null)
    {
        if (TopK < 1) throw new SharpLMException($"{origin}: --top-k is {TopK}; it must be at least 1.");
        // The mass outside the top k is a bucket of its own (DistillationLoss), which needs at least one token outside.
        if (TopK >= vocabularySize)
            throw new SharpLMException($"{origin}: --top-k is {TopK}; it must be below the vocabulary size ({vocabularySize}), as the tokens outside the top k form one more bucket.");
        if (!(Temperature > 0) || !double.IsFinite(Temperature)) throw new SharpLMException($"{origin}: --temperature is {Temperature}; it must be a positive number.");
        if (!(Alpha is >= 0 and <= 1)) throw new SharpLMException($"{origin}: --alpha is {Alpha}; it must be between 0 and 1.");
    }
}
