using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// AdamW with its state sharded over the data-parallel ranks (ZeRO stage 1, Rajbhandari et al., 2020): the
/// parameters are numbered as one flat vector, cut into W equal blocks (the last padded with zeros), and rank r
/// keeps the two moments of block r only. After the gradients have been averaged (every rank holds all of them),
/// each rank applies the update of <see cref="AdamWOptimizer"/> to its block, element by element the same
/// arithmetic, and an all-gather of the updated blocks gives every rank the whole new parameters. The moments
/// take 8·P/W bytes per rank instead of 8·P. Checkpoints hold the moments gathered whole, in the layout
/// <see cref="AdamWOptimizer"/> writes, so a run may resume with or without sharding.
/// </summary>
public sealed class ShardedAdamWOptimizer : ITrainingOptimizer
{
    static ShardedAdamWOptimizer() => Native.TorchRuntime.EnsureLoaded();

    private sealed record Slot(string Name, Parameter Parameter, long Offset, long Count);

    private readonly ICommunicator _communicator;
    private readonly List<Slot> _slots = [];
    private readonly double _beta1, _beta2, _eps, _weightDecay;
    private readonly long _start; // this rank's block is [_start, _start + _block) of the flat vector
    private readonly int _block;
    private readonly bool[] _decays; // per element of the block
    private readonly float[] _parameters, _gradients, _decayFactors, _gathered;
    private readonly Tensor _parameterView, _gradientView, _decayView, _moment, _variance;

    public long StepCount { get; private set; }
    public long StateElements => 2L * _block;
    public bool ExportIsCollective => true;

    /// <summary>Elements of the flat parameter vector in each rank's block.</summary>
    public int BlockLength => _block;

    public ShardedAdamWOptimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, Func<string, Parameter, bool> decays, ICommunicator communicator,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.0)
    {
        (_communicator, _beta1, _beta2, _eps, _weightDecay) = (communicator, beta1, beta2, eps, weightDecay);
        long total = 0;
        var decayed = new List<(long Offset, long Count)>();
        foreach (var (name, parameter) in parameters)
        {
            _slots.Add(new Slot(name, parameter, total, parameter.numel()));
            if (decays(name, parameter)) decayed.Add((total, parameter.numel()));
            total += parameter.numel();
        }
        long block = (total + communicator.WorldSize - 1) / communicator.WorldSize;
        if (block * communicator.WorldSize > Array.MaxLength)
            throw new SharpLMException($"ZeRO-1 gathers the parameters in one buffer of at most {Array.MaxLength:N0} values; the model has {total:N0}.");
        _block = (int)block;
        _start = communicator.Rank * block;
        _decays = new bool[_block];
        foreach (var (offset, count) in decayed)
            for (long i = Math.Max(offset, _start); i < Math.Min(offset + count, _start + _block); i++) _decays[i - _start] = true;
        _parameters = new float[_block];
        _gradients = new float[_block];
        _decayFactors = new float[_block];
        _gathered = new float[_block * communicator.WorldSize];
        // Views of the managed buffers, kept across steps: the training step's dispose scope must not free them.
        _parameterView = torch.frombuffer(_parameters, ScalarType.Float32).DetachFromDisposeScope();
        _gradientView = torch.frombuffer(_gradients, ScalarType.Float32).DetachFromDisposeScope();
        _decayView = torch.frombuffer(_decayFactors, ScalarType.Float32).DetachFromDisposeScope();
        _moment = zeros(_block).DetachFromDisposeScope();
        _variance = zeros(_block).DetachFromDisposeScope();
    }

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
        CopyBlock(slot => slot.Parameter, _parameterView);
        CopyBlock(slot => slot.Parameter.grad, _gradientView);
        if (_weightDecay != 0)
        {
            // The same float factor AdamWOptimizer multiplies decayed parameters by, 1 elsewhere.
            float factor = (float)(1 - learningRate * _weightDecay);
            for (int i = 0; i < _block; i++) _decayFactors[i] = _decays[i] ? factor : 1f;
            _parameterView.mul_(_decayView);
        }
        _moment.mul_(_beta1).add_(_gradientView, alpha: 1 - _beta1);
        _variance.mul_(_beta2).addcmul_(_gradientView, _gradientView, value: 1 - _beta2);
        var denominator = _variance.sqrt().div_(correction2Root).add_(_eps);
        _parameterView.addcdiv_(_moment, denominator, value: -learningRate / correction1);

        _communicator.AllGather(_parameters, _gathered);
        using var whole = torch.frombuffer(_gathered, ScalarType.Float32);
        foreach (var slot in _slots)
        {
            using var source = whole.narrow(0, slot.Offset, slot.Count).view(slot.Parameter.shape);
            slot.Parameter.copy_(source);
        }
    }

    /// <summary>Copies the part of each parameter's chosen tensor that falls in this rank's block into <paramref name="block"/> (zeros elsewhere).</summary>
    private void CopyBlock(Func<Slot, Tensor?> pick, Tensor block)
    {
        block.zero_();
        foreach (var slot in _slots)
        {
            long from = Math.Max(slot.Offset, _start), to = Math.Min(slot.Offset + slot.Count, _start + _block);
            if (from >= to || pick(slot) is not { } source) continue;
            using var flat = source.detach().reshape(slot.Count);
            using var part = flat.narrow(0, from - slot.Offset, to - from);
            using var target = block.narrow(0, from - _start, to - from);
            target.copy_(part);
        }
    }

    /// <summary>Collective: gathers both moments from every rank and returns them per parameter.</summary>
    public IReadOnlyList<SafetensorsTensor> ExportState()
    {
        var moments = Gather(_moment);
        var variances = Gather(_variance);
        return _slots.SelectMany(slot => new[]
        {
            SafetensorsTensor.FromFloat32(slot.Name + ".exp_avg", slot.Parameter.shape, moments.AsSpan((int)slot.Offset, (int)slot.Count).ToArray()),
            SafetensorsTensor.FromFloat32(slot.Name + ".exp_avg_sq", slot.Parameter.shape, variances.AsSpan((int)slot.Offset, (int)slot.Count).ToArray()),
        }).ToList();
    }

    private float[] Gather(Tensor block)
    {
        var whole = new float[_gathered.Length];
        _communicator.AllGather(block.data<float>().ToArray(), whole);
        return whole;
    }

    /// <summary>Reads a whole-model optimizer file (either optimizer's) and keeps this rank's block.</summary>
    public void ImportState(SafetensorsReader reader, long stepCount)
    {
        var moments = new float[_block];
        var variances = new float[_block];
        foreach (var slot in _slots)
        {
            long from = Math.Max(slot.Offset, _start), to = Math.Min(slot.Offset + slot.Count, _start + _block);
            if (from >= to) continue;
            foreach (var (suffix, target) in new[] { (".exp_avg", moments), (".exp_avg_sq", variances) })
            {
                string name = slot.Name + suffix;
                var info = reader.GetInfo(name);
                if (!info.Shape.SequenceEqual(slot.Parameter.shape))
                    throw new SharpLMException($"{reader.Path}: optimizer tensor '{name}' has shape [{string.Join(", ", info.Shape)}], the model needs [{string.Join(", ", slot.Parameter.shape)}].");
                reader.ReadFloat32(name).AsSpan((int)(from - slot.Offset), (int)(to - from)).CopyTo(target.AsSpan((int)(from - _start)));
            }
        }
        using var noGrad = no_grad();
        using (var values = tensor(moments)) _moment.copy_(values);
        using (var values = tensor(variances)) _variance.copy_(values);
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var view in new[] { _parameterView, _gradientView, _decayView, _moment, _variance }) view.Dispose();
    }
}
