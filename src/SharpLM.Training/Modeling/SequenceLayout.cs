using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// Where each token of a batch row sits when a row holds several sequences (packing) or padding: its position id,
/// restarting at 0 where each sequence starts, and the attention mask that lets a token see only the earlier tokens
/// of its own sequence (block-diagonal and causal). Built from one segment id per token; tokens of equal segment ids
/// form one sequence, which must be contiguous.
/// </summary>
public sealed class SequenceLayout : IDisposable
{
    // Runs before the first instance: libtorch must be loaded first.
    static SequenceLayout() => Native.TorchRuntime.EnsureLoaded();

    /// <summary>Position ids [B, T] (int64).</summary>
    public Tensor Positions { get; }

    /// <summary>Attention mask [B, 1, T, T], true where the query (row) may attend to the key (column).</summary>
    public Tensor Mask { get; }

    private SequenceLayout(Tensor positions, Tensor mask)
    {
        Positions = positions;
        Mask = mask;
    }

    /// <param name="segments">[B][T] segment ids; padding takes a segment of its own so it never mixes with real tokens.</param>
    public static SequenceLayout FromSegments(int[][] segments, Device? device = null)
    {
        int batch = segments.Length, length = segments[0].Length;
        var positions = new long[batch * length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < length; t++)
                positions[b * length + t] = t > 0 && segments[b][t] == segments[b][t - 1] ? positions[b * length + t - 1] + 1 : 0;
        using var scope = NewDisposeScope();
        var ids = tensor(segments.SelectMany(s => s).Select(s => (long)s).ToArray(), [batch, length]);
        var same = ids.unsqueeze(2).eq(ids.unsqueeze(1));                        // [B, T, T]
        var causal = ones(length, length, dtype: ScalarType.Bool).tril();       // [T, T]
        var mask = same.logical_and(causal).unsqueeze(1);
        var target = device ?? CPU;
        return new SequenceLayout(tensor(positions, [batch, length]).to(target).MoveToOuterDisposeScope(), mask.to(target).MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        Positions.Dispose();
        Mask.Dispose();
    }
}
