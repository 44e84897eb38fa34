using SharpLM.Core.Formats.TokenShards;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// Draws training batches as random windows of a token shard: inputs are tokens [s, s+T) and targets
/// [s+1, s+T+1). Start positions come from a seeded generator, so a run is reproducible.
/// </summary>
public sealed class TokenWindowSampler
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static TokenWindowSampler() => Native.TorchRuntime.EnsureLoaded();

    private readonly TokenShardReader _shard;
    private readonly int _length;
    private readonly Random _random;

    public TokenWindowSampler(TokenShardReader shard, int sequenceLength, long seed)
    {
        if (shard.TokenCount < sequenceLength + 1)
            throw new Core.SharpLMException($"{shard.Path}: holds {shard.TokenCount} tokens, fewer than one window of {sequenceLength + 1}; use a shorter sequence length or more data.");
        _shard = shard;
        _length = sequenceLength;
        _random = new Random(unchecked((int)seed));
    }

    public (Tensor Inputs, Tensor Targets) NextBatch(int batchSize)
    {
        long maxStart = _shard.TokenCount - _length - 1;
        var starts = new long[batchSize];
        for (int i = 0; i < batchSize; i++) starts[i] = _random.NextInt64(maxStart + 1);
        return Windows(_shard, starts, _length);
    }

    /// <summary>Evenly spaced windows across the shard, the same every time: a stable validation set.</summary>
    public static IEnumerable<(Tensor Inputs, Tensor Targets)> FixedBatches(TokenShardReader shard, int sequenceLength, int batchSize, int batches)
    {
        long lastStart = shard.TokenCount - sequenceLength - 1;
        long total = Math.Min((shard.TokenCount - 1) / sequenceLength, (long)batchSize * batches);
        for (long first = 0; first < total; first += batchSize)
        {
            var starts = new long[Math.Min(batchSize, total - first)];
            for (long i = 0; i < starts.Length; i++) starts[i] = total == 1 ? 0 : (first + i) * lastStart / (total - 1);
            yield return Windows(shard, starts, sequenceLength);
        }
    }

    private static (Tensor, Tensor) Windows(TokenShardReader shard, long[] starts, int length)
    {
        var buffer = new long[starts.Length * (length + 1)];
        for (int i = 0; i < starts.Length; i++) shard.Read(starts[i], buffer.AsSpan(i * (length + 1), length + 1));
        using var all = tensor(buffer, [starts.Length, length + 1]);
        return (all.narrow(1, 0, length).contiguous(), all.narrow(1, 1, length).contiguous());
    }
}
