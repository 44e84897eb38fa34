using SharpLM.Core;

namespace SharpLM.Inference.Constraints;

/// <summary>Applies a constraint to a model's logits in a reusable buffer (the model's own span is read-only); returns the buffer.</summary>
public static class ConstraintMask
{
    public static float[] Apply(ITokenConstraint constraint, ReadOnlySpan<float> logits, float[]? buffer)
    {
        if (buffer is null || buffer.Length != logits.Length) buffer = new float[logits.Length];
        logits.CopyTo(buffer);
        constraint.Mask(buffer);
        foreach (float value in buffer)
            if (!float.IsNegativeInfinity(value)) return buffer;
        throw new SharpLMException("the output constraint leaves no token the model can produce (does the vocabulary hold the end-of-text token?).");
    }
}
