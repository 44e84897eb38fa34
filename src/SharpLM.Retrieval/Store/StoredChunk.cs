namespace SharpLM.Retrieval.Store;

/// <summary>A chunk as the store holds it, with the provenance of its document.</summary>
public sealed record StoredChunk(long Id, string DocumentId, int Index, int CharStart, int CharEnd, string Text, string Source);
