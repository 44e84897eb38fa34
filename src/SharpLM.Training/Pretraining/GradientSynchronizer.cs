using System.Security.Cryptography;
using System.Text;
using SharpLM.Core;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Distributed;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// The data-parallel step of <see cref="Pretrainer"/>: every rank draws its own rows of the global batch, and this
/// averages the ranks' gradients (and losses) with one all-reduce over a flat float buffer that TorchSharp views
/// without copying. It also makes the ranks start from rank 0's weights and refuse to start when they disagree on
/// the config or the training data. Rank 0 writes checkpoints and metrics.
/// </summary>
public sealed class GradientSynchronizer
{
    static GradientSynchronizer() => Native.TorchRuntime.EnsureLoaded();

    private float[] _flat = [];
    private Tensor? _view;

    public GradientSynchronizer(ICommunicator communicator) => Communicator = communicator;

    public ICommunicator Communicator { get; }
    public int Rank => Communicator.Rank;
    public int WorldSize => Communicator.WorldSize;
    /// <summary>Only rank 0 writes checkpoints, metrics and the model.</summary>
    public bool IsWriter => Rank == 0;
    /// <summary>Seconds spent in the all-reduce since the last call (for the metrics' communication share).</summary>
    public double TakeSeconds()
    {
        double seconds = _seconds;
        _seconds = 0;
        return seconds;
    }

    private double _seconds;

    /// <summary>This rank's rows of a global batch: a contiguous block, so the ranks' rows together are the one-process batch.</summary>
    public (int FirstRow, int Rows) RowsOf(int globalBatch)
    {
        if (globalBatch % WorldSize != 0)
            throw new SharpLMException($"training options: field 'batch_size' ({globalBatch}) is the global batch and must be a multiple of the {WorldSize} ranks.");
        int rows = globalBatch / WorldSize;
        return (Rank * rows, rows);
    }

    /// <summary>Stops every rank with one sentence when any rank's config or training shard differs from rank 0's.</summary>
    public void RequireSameRun(PretrainConfig config, TokenShardIdentity train)
    {
        // The path may differ between machines; the fingerprint and sizes may not.
        string identity = config.ToJson() + "\n" + train.Tokens + "\n" + train.Documents + "\n" + train.Fingerprint;
        byte[] mine = SHA256.HashData(Encoding.UTF8.GetBytes(identity));
        byte[] root = (byte[])mine.Clone();
        Communicator.Broadcast(root, 0);
        float[] disagreeing = [mine.AsSpan().SequenceEqual(root) ? 0f : 1f];
        // Every rank learns the verdict, so no rank is left waiting in a collective the others never reach.
        Communicator.AllReduceSum(disagreeing);
        if (disagreeing[0] > 0)
            throw new SharpLMException($"{disagreeing[0]:F0} of {WorldSize} ranks have a different pretrain config or training shard ({train.Path}) than rank 0; " +
                                       "start every rank with the same --config and --train.");
    }

    /// <summary>Copies rank 0's parameters to every rank, so they start identical whatever their random initialisation.</summary>
    public void BroadcastParameters(IReadOnlyList<TorchSharp.Modules.Parameter> parameters)
    {
        if (WorldSize == 1) return;
        using var noGrad = no_grad();
        var view = Flatten(parameters, p => p);
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(_flat.AsSpan(0, (int)view));
        Communicator.Broadcast(bytes, 0);
        Unflatten(parameters, p => p);
    }

    /// <summary>Replaces each parameter's gradient by its mean over ranks; returns the mean of <paramref name="loss"/> too.</summary>
    public double AverageGradients(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, double loss)
    {
        if (WorldSize == 1) return loss;
        using var noGrad = no_grad();
        long count = Flatten(parameters, p => p.grad, extra: 1);
        _flat[count - 1] = (float)loss;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Communicator.AllReduceAverage(_flat.AsSpan(0, (int)count));
        _seconds += clock.Elapsed.TotalSeconds;
        Unflatten(parameters, p => p.grad);
        return _flat[count - 1];
    }

    /// <summary>
    /// The all-reduce's flat buffer, at least <paramref name="length"/> long, lent out between the all-reduce and the
    /// next step (a sharded optimizer gathers the new parameters into it instead of holding a copy of the model).
    /// </summary>
    public float[] LendBuffer(long length)
    {
        EnsureBuffer(length);
        return _flat;
    }

    private void EnsureBuffer(long total)
    {
        if (total > Array.MaxLength) throw new SharpLMException($"data-parallel training holds at most {Array.MaxLength:N0} values per all-reduce; the model has {total:N0}.");
        if (_flat.Length >= total) return;
        _view?.Dispose();
        _flat = new float[total];
        // Kept across steps: the training step's dispose scope must not free the view of the buffer.
        _view = frombuffer(_flat, ScalarType.Float32).DetachFromDisposeScope();
    }

    /// <summary>Copies the chosen tensor of every parameter into the flat buffer (zeros for a missing gradient); returns the length used.</summary>
    private long Flatten(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, Func<TorchSharp.Modules.Parameter, Tensor?> pick, int extra = 0)
    {
        long total = parameters.Sum(p => p.numel()) + extra;
        EnsureBuffer(total);
        long offset = 0;
        foreach (var parameter in parameters)
        {
            long n = parameter.numel();
            using var slot = _view!.narrow(0, offset, n);
            if (pick(parameter) is { } source) slot.copy_(source.detach().reshape(n));
            else slot.zero_();
            offset += n;
        }
        return total;
    }

    private void Unflatten(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, Func<TorchSharp.Modules.Parameter, Tensor?> pick)
    {
        long offset = 0;
        foreach (var parameter in parameters)
        {
            long n = parameter.numel();
            if (pick(parameter) is { } target)
            {
                using var slot = _view!.narrow(0, offset, n);
                using var shaped = slot.view(target.shape);
                target.copy_(shaped);
            }
            offset += n;
        }
    }
}
