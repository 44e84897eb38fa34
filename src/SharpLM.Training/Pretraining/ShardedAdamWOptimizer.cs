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
/// each rank applies the update of <see cref="AdamWOptimizer"/> to the parts of the parameters in its block, in
/// place and with the same torch operations, and an all-gather of the updated blocks gives every rank the whole new
/// parameters. The moments take 8·P/W bytes per rank instead of 8·P; besides them the optimizer holds only its
/// block of updated parameters to send (4·P/W), and it gathers into a buffer it borrows (the all-reduce's flat
/// buffer, idle between the all-reduce and the next step), so sharding saves memory from two ranks on.
/// Checkpoints hold the moments gathered whole, in the layout <see cref="AdamWOptimizer"/> writes, so a run may
/// resume with or without sharding.
/// </summary>
public sealed class ShardedAdamWOptimizer : ITrainingOptimizer
{
    static ShardedAdamWOptimizer() => Native.TorchRuntime.EnsureLoaded();

    private sealed record Slot(string Name, Parameter Parameter, long Offset, long Count, bool Decays);

    private readonly ICommunicator _communicator;
    private readonly Func<long, float[]> _gatherBuffer;
    private readonly List<Slot> _slots = [];
    private readonly double _beta1, _beta2, _eps, _weightDecay;
    private readonly long _start; // this rank's block is [_start, _start + _block) of the flat vector
    private readonly int _block;
    private readonly float[] _parameters; // this rank's updated block, the all-gather's send buffer
    private readonly Tensor _parameterView, _moment, _variance;

    public long StepCount { get; private set; }
    public long StateElements => 2L * _block;
    public bool ExportIsCollective => true;

    /// <summary>Elements of the flat parameter vector in each rank's block.</summary>
    public int BlockLength => _block;

    /// <param name="gatherBuffer">
    /// Lends an array of at least the given length for the all-gather of the updated parameters, free for this
    /// optimizer's use until its step returns (the data-parallel step lends its all-reduce buffer); null allocates
    /// one of the optimizer's own.
    /// </param>
    public ShardedAdamWOptimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, Func<string, Parameter, bool> decays, ICommunicator communicator,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.0, Func<long, float[]>? gatherBuffer = null)
    {
        (_communicator, _beta1, _beta2, _eps, _weightDecay) = (communicator, beta1, beta2, eps, weightDecay);
        long total = 0;
        foreach (var (name, parameter) in parameters)
        {
            _slots.Add(new Slot(name, parameter, total, parameter.numel(), decays(name, parameter)));
            total += parameter.numel();
        }
        long block = (total + communicator.WorldSize - 1) / communicator.WorldSize;
        if (block * communicator.WorldSize > Array.MaxLength)
            throw new SharpLMException($"ZeRO-1 gathers the parameters in one buffer of at most {Array.MaxLength:N0} values; the model has {total:N0}.");
        _block = (int)block;
        _start = communicator.Rank * block;
        float[]? own = null;
        _gatherBuffer = gatherBuffer ?? (length => own is { } buffer && buffer.Length >= length ? buffer : own = new float[length]);
        _parameters = new float[_block];
        // Views of the managed buffer, kept across steps: the training step's dispose scope must not free them.
        _parameterView = torch.frombuffer(_parameters, ScalarType.Float32).DetachFromDisposeScope();
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
        // AdamWOptimizer's update on each piece of a parameter that falls in this rank's block, in place; then the
        // piece goes to the send buffer. Padding beyond the last parameter stays zero.
        foreach (var slot in _slots)
        {
            long from = Math.Max(slot.Offset, _start), to = Math.Min(slot.Offset + slot.Count, _start + _block);
            if (from >= to) continue;
            long count = to - from, within = from - slot.Offset, inBlock = from - _start;
            var parameter = slot.Parameter.detach().view(slot.Count).narrow(0, within, count);
            var send = _parameterView.narrow(0, inBlock, count);
            if (slot.Parameter.grad is not { } gradient)
            {
                send.copy_(parameter); // no gradient, no update (as AdamWOptimizer), but the gather still carries it
                continue;
            }
            var piece = gradient.view(slot.Count).narrow(0, within, count);
            var moment = _moment.narrow(0, inBlock, count);
            var variance = _variance.narrow(0, inBlock, count);
            if (slot.Decays && _weightDecay != 0) parameter.mul_(1 - learningRate * _weightDecay);
            moment.mul_(_beta1).add_(piece, alpha: 1 - _beta1);
            variance.mul_(_beta2).addcmul_(piece, piece, value: 1 - _beta2);
            var denominator = variance.sqrt().div_(correction2Root).add_(_eps);
            parameter.addcdiv_(moment, denominator, value: -learningRate / correction1);
            send.copy_(parameter);
        }

        float[] gathered = _gatherBuffer(_block * (long)_communicator.WorldSize);
        _communicator.AllGather(_parameters, gathered.AsSpan(0, _block * _communicator.WorldSize));
        using var whole = torch.frombuffer(gathered, ScalarType.Float32);
        foreach (var slot in _slots)
        {
            using var source = whole.narrow(0, slot.Offset, slot.Count).view(slot.Parameter.shape);
            slot.Parameter.detach().copy_(source);
        }
    }

    /// <summary>
    /// Collective: gathers both moments from every rank, one at a time through the borrowed buffer, and returns them
    /// per parameter on rank 0 (the checkpoint writer); other ranks get an empty list and allocate nothing.
    /// </summary>
    public IReadOnlyList<SafetensorsTensor> ExportState()
    {
        var moments = GatherPerSlot(_moment);
        var variances = GatherPerSlot(_variance);
        if (moments is null || variances is null) return [];
        return _slots.SelectMany((slot, i) => new[]
        {
            SafetensorsTensor.FromFloat32(slot.Name + ".exp_avg", slot.Parameter.shape, moments[i]),
            SafetensorsTensor.FromFloat32(slot.Name + ".exp_avg_sq", slot.Parameter.shape, variances[i]),
        }).ToList();
    }

    private float[][]? GatherPerSlot(Tensor block)
    {
        using (var noGrad = no_grad()) _parameterView.copy_(block); // the send buffer is free between steps
        int length = _block * _communicator.WorldSize;
        float[] whole = _gatherBuffer(length);
        _communicator.AllGather(_parameters, whole.AsSpan(0, length));
        if (_communicator.Rank != 0) return null;
        return _slots.Select(slot => whole.AsSpan((int)slot.Offset, (int)slot.Count).ToArray()).ToArray();
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
        foreach (var view in new[] { _parameterView, _moment, _variance }) view.Dispose();
    }
}
