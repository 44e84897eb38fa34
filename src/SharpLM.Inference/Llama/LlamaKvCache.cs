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

    public void ReadKv(int start, int count, Span<float> destination) => KvRuns.Read(Keys, Values, Width, Length, start, count, destination);

    public void WriteKv(int start, int count, ReadOnlySpan<float> source) =>
        Length = KvRuns.Write(Keys, Values, Width, Length, Positions, start, count, source);

    /// <summary>Positions that hold valid entries: the position the next token takes.</summary>
    public int Length { get; internal set; }

    public LlamaKvCache(int layers, int positions, int kvDim)
    {
        (Width, Positions) = (kvDim, positions);
        Keys = Enumerable.Range(0, layers).Select(_ => new float[positions * kvDim]).ToArray();
        Values = Enumerable.Range(0, layers).Select(_ => new float[positions * kvDim]).ToArray();
    }
}
