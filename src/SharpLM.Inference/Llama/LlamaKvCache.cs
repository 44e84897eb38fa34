namespace SharpLM.Inference.Llama;

/// <summary>One sequence's keys and values for every layer and every position up to max_position_embeddings, preallocated.</summary>
public sealed class LlamaKvCache
{
    /// <summary>Per layer: [position, kvDim].</summary>
    internal float[][] Keys { get; }
    internal float[][] Values { get; }

    internal int Width { get; }
    internal int Positions { get; }

    public int KvFloatsPerPosition => KvRuns.FloatsPerPosition(Keys, Width);

    /// <summary>Copies positions [start, start + count) of the sequence (after any <see cref="Prefix"/>) out, laid out as <see cref="IKvTransfer"/> says.</summary>
    public void ReadKv(int start, int count, Span<float> destination) =>
        KvRuns.Read(Keys, Values, Width, Length, Prefix + NotNegative(start), count, destination);

    /// <summary>Writes a run at sequence position <paramref name="start"/> (after any <see cref="Prefix"/>); the sequence then ends after it.</summary>
    public void WriteKv(int start, int count, ReadOnlySpan<float> source) =>
        Length = KvRuns.Write(Keys, Values, Width, Length, Positions, Prefix + NotNegative(start), count, source);

    /// <summary>Positions that hold valid entries, <see cref="Prefix"/> included: the position the next token takes.</summary>
    public int Length { get; internal set; }

    /// <summary>
    /// Leading positions that hold a prompt-tuning adapter's virtual tokens: computed once when the cache is made,
    /// never truncated, and not part of the sequence a caller sees (its position 0 is the first real token).
    /// </summary>
    public int Prefix { get; internal set; }

    /// <summary>The positions of the caller's sequence: <see cref="Length"/> less the <see cref="Prefix"/>.</summary>
    public int SequenceLength => Length - Prefix;

    /// <summary>The error for a sequence that would run past the cache, saying what the virtual tokens take.</summary>
    internal Core.SharpLMException Full() => new(Prefix == 0
        ? $"the sequence reached max_position_embeddings ({Positions})."
        : $"the sequence reached its context of {Positions - Prefix} positions (max_position_embeddings {Positions} less the prompt-tuning adapter's {Prefix} virtual tokens).");

    private static int NotNegative(int start) =>
        start >= 0 ? start : throw new ArgumentOutOfRangeException(nameof(start), $"position {start} is negative.");

    public LlamaKvCache(int layers, int positions, int kvDim)
    {
        (Width, Positions) = (kvDim, positions);
        Keys = Enumerable.Range(0, layers).Select(_ => new float[positions * kvDim]).ToArray();
        Values = Enumerable.Range(0, layers).Select(_ => new float[positions * kvDim]).ToArray();
    }
}
