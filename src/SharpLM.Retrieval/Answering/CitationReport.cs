namespace SharpLM.Retrieval.Answering;

/// <summary>A citation mapped back to its source: the document, the exact character span of the cited chunk, and what was checked.</summary>
public sealed record CheckedCitation(int Number, string DocumentId, int CharStart, int CharEnd, string Source,
    bool? SpanVerified, IReadOnlyList<string> KeyTermsFound);

/// <summary>The verdict on an answer's citations: every problem found, in one sentence each; none means the citations hold.</summary>
public sealed record CitationReport(IReadOnlyList<CheckedCitation> Citations, IReadOnlyList<string> Problems)
{
    public bool Valid => Problems.Count == 0;
}
