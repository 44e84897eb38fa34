namespace SharpLM.Inference.Llama;

/// <summary>One sequence's keys and values for every layer and every position up to max_position_embeddings, preallocated.</summary>
public sealed class LlamaKvCache
{
    /// <summary>Per layer: [position, kvDim].</summary>
    internal float[][] Keys { get; }
    internal float[][] Values { get; }

    /// <summary>Positions that hold valid entries: the position the next token takes.</summary>
    public int Length { get; internal set; }

    public LlamaKvCache(int layers, int positions, int kvDim)
    {
        Keys = Enumerable.Range(0, layers).Select(_ => new float[positions * kvDim]).ToArray();
        Values = Enumerable.Range(0, layers).Select(_ => new float[positions * kvDim]).ToArray();
    }
}
