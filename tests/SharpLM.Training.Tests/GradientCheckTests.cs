using SharpLM.Training.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

/// <summary>Autograd gradients of the hand-written parts against central finite differences, in float64.</summary>
public class GradientCheckTests
{
    private static void CheckGradient(Func<Tensor, Tensor> function, long[] shape, int seed)
    {
        manual_seed(seed);
        var x = randn(shape, dtype: ScalarType.Float64).requires_grad_(true);
        var weights = randn(function(x.detach()).shape, dtype: ScalarType.Float64);
        (function(x) * weights).sum().backward();
        var analytic = x.grad!.clone();

        const double h = 1e-6;
        using var noGrad = no_grad();
        var flat = x.detach().clone().view(-1);
        var random = new Random(seed);
        for (int trial = 0; trial < 12; trial++)
        {
            long i = random.NextInt64(flat.numel());
            double original = flat[i].item<double>();
            flat[i] = original + h;
            double plus = (function(flat.view(shape)) * weights).sum().item<double>();
            flat[i] = original - h;
            double minus = (function(flat.view(shape)) * weights).sum().item<double>();
            flat[i] = original;
            double numeric = (plus - minus) / (2 * h);
            double exact = analytic.view(-1)[i].item<double>();
            Assert.True(Math.Abs(numeric - exact) <= 1e-6 * Math.Max(1, Math.Abs(exact)), $"element {i}: autograd {exact}, finite difference {numeric}");
        }
    }

    [Fact]
    public void Rms_norm_gradient()
    {
        using var norm = new RmsNorm(6, 1e-5);
        norm.to(ScalarType.Float64);
        using (no_grad()) norm.parameters().Single().copy_(tensor(new double[] { 0.5, 1, 1.5, -1, 2, 0.25 }));
        CheckGradient(norm.forward, [3, 6], seed: 1);
    }

    [Fact]
    public void Rotary_embedding_gradient()
    {
        using var rotary = new RotaryEmbedding(headDim: 8, maxPositions: 16, theta: 10000);
        CheckGradient(x => rotary.Apply(x, offset: 3), [1, 2, 5, 8], seed: 2);
    }

    [Fact]
    public void Whole_model_gradient_with_respect_to_embeddings()
    {
        using var model = Tiny.Model(keyValueHeads: 2);
        model.to(ScalarType.Float64);
        // Differentiate the decoder stack with respect to its input embeddings (attention, SwiGLU, norms, residuals).
        CheckGradient(embeddings => model.Decoder.ForwardEmbeddings(embeddings), [1, 5, 32], seed: 3);
    }
}
