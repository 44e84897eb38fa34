using SharpLM.Core.Formats.TokenShards;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// Draws training batches as random windows of a token shard: inputs are tokens [s, s+T) and targets
/// [s+1, s+T+1). Each start position is a hash of (seed, step, row), so the batch of any step is known without
/// replaying earlier ones: a resumed run reads exactly the batches an uninterrupted run would have.
/// </summary>
public sealed class TokenWindowSampler
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static TokenWindowSampler() => Native.TorchRuntime.EnsureLoaded();

    private readonly TokenShardReader _shard;
    private readonly int _length;
    private readonly ulong _seed;
    private readonly bool _documentStarts;

    /// <param name="documentStarts">
    /// Begin every window at a document's first token (from the shard's document index) instead of anywhere:
    /// the model always sees documents from their start, packed with the documents that follow.
    /// </param>
    public TokenWindowSampler(TokenShardReader shard, int sequenceLength, long seed, bool documentStarts = false)
    {
        if (documentStarts && shard.DocumentCount == 0)
            throw new Core.SharpLMException($"{shard.Path}: has no document index, which document-start sampling needs.");
        _documentStarts = documentStarts;
        if (shard.TokenCount < sequenceLength + 1)
            throw new Core.SharpLMException($"{shard.Path}: holds {shard.TokenCount} tokens, fewer than one window of {sequenceLength + 1}; use a shorter sequence length or more data.");
        _shard = shard;
        _length = sequenceLength;
        _seed = unchecked((ulong)seed);
    }

    /// <summary>The batch for a 0-based step (and micro-batch, under gradient accumulation).</summary>
    /// <param name="firstRow">
    /// Row of the global batch that row 0 of this batch is: a data-parallel rank draws rows [firstRow, firstRow +
    /// batchSize) of the global batch, so the ranks' rows together are exactly one process's batch.
    /// </param>
    public (Tensor Inputs, Tensor Targets) Batch(long step, int microBatch, int batchSize, int? sequenceLength = null, int firstRow = 0)
    {
        int length = sequenceLength ?? _length;
        if (length > _length) throw new ArgumentOutOfRangeException(nameof(sequenceLength), $"{length} exceeds the sampler's maximum window {_length}.");
        ulong positions = (ulong)(_shard.TokenCount - length);
        long lastStart = _shard.TokenCount - length - 1;
        var starts = new long[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            ulong draw = Mix(_seed ^ Mix((ulong)step * 0x100000001B3UL ^ (ulong)microBatch << 40 ^ (ulong)(firstRow + i)));
            // A document near the end of the shard may not have a full window after it: clamp, so the window ends at the shard's end.
            starts[i] = _documentStarts ? Math.Min(_shard.DocumentStart((long)(draw % (ulong)_shard.DocumentCount)), lastStart) : (long)(draw % positions);
        }
        return Windows(_shard, starts, length);
    }

    /// <summary>SplitMix64's finaliser: a fast, well-mixed 64-bit hash.</summary>
    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
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
