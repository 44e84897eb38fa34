using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019) with decoupled weight decay, the update of PyTorch's torch.optim.AdamW:
/// <code>
/// p ← p·(1 − lr·wd)                 (decayed parameters only)
/// m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
/// p ← p − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)
/// </code>
/// Written here rather than using TorchSharp's AdamW so that its state has parameter names and can be saved
/// to and restored from a safetensors checkpoint, which exact resumption needs. Tests check it against
/// TorchSharp's implementation step by step.
/// </summary>
public sealed class AdamWOptimizer : ITrainingOptimizer
{
    private sealed record Slot(string Name, Parameter Parameter, bool Decay, Tensor Moment, Tensor Variance);

    private readonly List<Slot> _slots;
    private readonly double _beta1, _beta2, _eps, _weightDecay;

    /// <summary>Number of updates applied so far (t in the bias corrections).</summary>
    public long StepCount { get; private set; }

    public AdamWOptimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, Func<string, Parameter, bool> decays,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.0)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
        _slots = parameters.Select(p => new Slot(p.Name, p.Parameter, decays(p.Name, p.Parameter),
            zeros_like(p.Parameter).DetachFromDisposeScope(), zeros_like(p.Parameter).DetachFromDisposeScope())).ToList();
    }

    public long StateElements => _slots.Sum(s => 2 * s.Moment.numel());

    public bool ExportIsCollective => false;

    public void ZeroGrad()
    {
        foreach (var slot in _slots) slot.Parameter.grad?.zero_();
    }

    public void Step(double learningRate)
    {
        StepCount++;
        double correction1 = 1 - Math.Pow(_beta1, StepCount);
        double correction2Root = Math.Sqrt(1 - Math.Pow(_beta2, StepCount));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var slot in _slots)
        {
            var gradient = slot.Parameter.grad;
            if (gradient is null) continue;
            if (slot.Decay && _weightDecay != 0) slot.Parameter.mul_(1 - learningRate * _weightDecay);
            slot.Moment.mul_(_beta1).add_(gradient, alpha: 1 - _beta1);
            slot.Variance.mul_(_beta2).addcmul_(gradient, gradient, value: 1 - _beta2);
            var denominator = slot.Variance.sqrt().div_(correction2Root).add_(_eps);
            slot.Parameter.addcdiv_(slot.Moment, denominator, value: -learningRate / correction1);
        }
    }

    /// <summary>The moment estimates as named float32 tensors ("NAME.exp_avg", "NAME.exp_avg_sq").</summary>
    public IReadOnlyList<SafetensorsTensor> ExportState() => _slots.SelectMany(slot => new[]
    {
        SafetensorsTensor.FromFloat32(slot.Name + ".exp_avg", slot.Moment.shape, slot.Moment.data<float>().ToArray()),
        SafetensorsTensor.FromFloat32(slot.Name + ".exp_avg_sq", slot.Variance.shape, slot.Variance.data<float>().ToArray()),
    }).ToList();

    public void ImportState(SafetensorsReader reader, long stepCount)
    {
        using var noGrad = no_grad();
        foreach (var slot in _slots)
        {
            foreach (var (suffix, target) in new[] { (".exp_avg", slot.Moment), (".exp_avg_sq", slot.Variance) })
            {
                string name = slot.Name + suffix;
                var info = reader.GetInfo(name);
                if (!info.Shape.SequenceEqual(target.shape))
                    throw new SharpLMException($"{reader.Path}: optimizer tensor '{name}' has shape [{string.Join(", ", info.Shape)}], the model needs [{string.Join(", ", target.shape)}].");
                using var values = tensor(reader.ReadFloat32(name), target.shape);
                target.copy_(values);
            }
        }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var slot in _slots)
        {
            slot.Moment.Dispose();
            slot.Variance.Dispose();
        }
    }
}
