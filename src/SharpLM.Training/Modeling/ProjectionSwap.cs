using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// Replaces a registered Linear projection by another module under the same name, so the owner's forward pass and
/// named_modules both see the replacement (QLoRA's quantized base weights) and the parameter names stay those of
/// the checkpoint.
/// </summary>
internal static class ProjectionSwap
{
    public static nn.Module<Tensor, Tensor> Replace(nn.Module owner, string name, nn.Module<Tensor, Tensor> current, Func<Linear, nn.Module<Tensor, Tensor>> replace)
    {
        if (current is not Linear linear) return current;
        var replacement = replace(linear);
        if (ReferenceEquals(replacement, linear)) return current;
        owner.register_module(name, null!); // a null module unregisters the name
        owner.register_module(name, replacement);
        linear.Dispose();
        return replacement;
    }
}
