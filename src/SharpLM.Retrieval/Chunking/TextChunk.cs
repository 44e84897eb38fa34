namespace SharpLM.Retrieval.Chunking;

/// <summary>
/// A piece of one document: <see cref="Text"/> is exactly <c>document.Text[CharStart..CharEnd]</c> (UTF-16 offsets),
/// so a citation of the chunk can quote its source span.
/// </summary>
public sealed record TextChunk(string DocumentId, int Index, int CharStart, int CharEnd, string Text)
{
    public int Length => CharEnd - CharStart;
}
