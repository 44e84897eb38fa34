using static TorchSharp.torch;

namespace SharpLM.PostTraining.Lora;

/// <summary>
/// y = x·Wᵀ for a frozen quantized W that is decoded in the forward pass and decoded again in the backward pass
/// (∂L/∂x = ∂L/∂y·W), so the graph keeps only the compact codes between the two. W receives no gradient.
/// </summary>
internal sealed class QuantizedMatmul : autograd.SingleTensorFunction<QuantizedMatmul>
{
    public override string Name => "SharpLMQuantizedMatmul";

    public static Tensor Apply(Tensor input, QuantizedLinear layer) => apply(input, layer);

    public override Tensor forward(autograd.AutogradContext context, params object[] variables)
    {
        var input = (Tensor)variables[0];
        var layer = (QuantizedLinear)variables[1];
        context.save_data("layer", layer);
        using var noGrad = no_grad();
        using var weight = layer.Dequantize();
        return nn.functional.linear(input, weight);
    }

    public override List<Tensor> backward(autograd.AutogradContext context, Tensor gradient)
    {
        var layer = (QuantizedLinear)context.get_data("layer");
        using var noGrad = no_grad();
        using var weight = layer.Dequantize();
        return [gradient.matmul(weight), null!]; // one entry per forward argument; the layer is not a tensor
    }
}
