using SharpLM.Retrieval.Answering;

namespace SharpLM.Retrieval.Evaluation;

/// <summary>
/// Citation precision and recall of one answer against the gold chunks of its question. A citation is a chunk number
/// of the prompt, mapped back to the chunk's id; a number is counted once however often it is cited, and a number that
/// names no retrieved chunk counts as cited but never as correct. An answer that cites nothing scores 0 on both
/// (it earned no credit, and leaving it out of the mean would reward answers that give up).
/// </summary>
public static class CitationMetrics
{
    public static (double Precision, double Recall) Score(IEnumerable<int> citations, IReadOnlyList<NumberedChunk> context, IReadOnlySet<long> gold)
    {
        var byNumber = context.ToDictionary(c => c.Number, c => c.Chunk.Id);
        var numbers = citations.Distinct().ToList();
        var correct = numbers.Where(n => byNumber.TryGetValue(n, out long id) && gold.Contains(id)).Select(n => byNumber[n]).ToHashSet();
        double precision = numbers.Count == 0 ? 0 : (double)correct.Count / numbers.Count;
        double recall = gold.Count == 0 ? 0 : (double)correct.Count / gold.Count;
        return (precision, recall);
    }
}
