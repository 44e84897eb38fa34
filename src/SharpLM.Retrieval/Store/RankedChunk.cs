namespace SharpLM.Retrieval.Store;

/// <summary>A chunk id in a ranking, with the score that ranked it (higher is better for every method).</summary>
public readonly record struct RankedChunk(long ChunkId, double Score);
