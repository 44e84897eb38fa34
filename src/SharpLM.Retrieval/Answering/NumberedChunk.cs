using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Answering;

/// <summary>A retrieved chunk as the prompt shows it: numbered from 1 in rank order, so that an answer can cite it as [n].</summary>
public sealed record NumberedChunk(int Number, StoredChunk Chunk);
