namespace SharpLM.Retrieval.Indexing;

/// <summary>What an indexing run did; written as metrics by the CLI.</summary>
public sealed record IndexReport(int DocumentsRead, int Added, int Changed, int Unchanged, int Removed, int ChunksWritten,
    long RowsWritten, double ChunkingSeconds, double EmbeddingSeconds, double WritingSeconds, long ChunksInIndex);
