using SharpLM.Core;

namespace SharpLM.Evaluation.Metrics;

internal static class ReferenceStreams
{
    public static void Check(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        if (references.Count == 0) throw new SharpLMException("At least one reference is needed per hypothesis.");
        for (int r = 0; r < references.Count; r++)
            if (references[r].Count != hypotheses.Count)
                throw new SharpLMException($"Reference stream {r + 1} has {references[r].Count} segments but there are {hypotheses.Count} hypotheses.");
    }
}
