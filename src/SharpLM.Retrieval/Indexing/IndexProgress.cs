namespace SharpLM.Retrieval.Indexing;

/// <summary>Progress of an indexing run: chunks embedded and written so far, of all chunks that need it.</summary>
public readonly record struct IndexProgress(long ChunksDone, long ChunksTotal);
