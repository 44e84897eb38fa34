using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// Activation checkpointing for one block: the forward pass runs without recording the graph, keeping only the
/// block's input; the backward pass runs the block again with the graph and back-propagates through it. Memory
/// for activations drops from every intermediate of every block to one tensor per block, for about one extra
/// forward pass of compute. TorchSharp has no torch.utils.checkpoint, so this is a custom autograd function.
/// </summary>
public sealed class ActivationCheckpoint : autograd.SingleTensorFunction<ActivationCheckpoint>
{
    public override string Name => "SharpLMActivationCheckpoint";

    public static Tensor Apply(nn.Module<Tensor, Tensor> block, Tensor input) => apply(input, block);

    public override Tensor forward(autograd.AutogradContext context, params object[] variables)
    {
        var input = (Tensor)variables[0];
        context.save_for_backward([input]);
        context.save_data("block", variables[1]);
        using var noGrad = no_grad();
        return ((nn.Module<Tensor, Tensor>)variables[1]).forward(input);
    }

    public override List<Tensor> backward(autograd.AutogradContext context, Tensor gradient)
    {
        var input = context.get_saved_variables()[0];
        var block = (nn.Module<Tensor, Tensor>)context.get_data("block");
        using var withGrad = enable_grad();
        var replayInput = input.detach().requires_grad_(true);
        var output = block.forward(replayInput);
        output.backward([gradient]); // accumulates into the block's parameters and replayInput.grad
        return [replayInput.grad!, null!]; // one entry per forward argument; the block is not a tensor
    }
}
