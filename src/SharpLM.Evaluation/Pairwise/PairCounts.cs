namespace SharpLM.Evaluation.Pairwise;

/// <summary>
/// Judgements folded into counts: models in ordinal order, games played by each pair and the score each model
/// took from the other (a win 1, a tie ½). The sufficient statistics of the Bradley–Terry likelihood.
/// </summary>
internal sealed class PairCounts
{
    public PairCounts(IReadOnlyList<string> models)
    {
        Models = models;
        Games = new double[models.Count, models.Count];
        Score = new double[models.Count, models.Count];
    }

    public IReadOnlyList<string> Models { get; }
    public double[,] Games { get; }
    /// <summary>Score[i, j]: what model i scored against model j over their games.</summary>
    public double[,] Score { get; }

    public static PairCounts From(IReadOnlyList<PairwiseJudgement> judgements, IReadOnlyList<string> models, IEnumerable<int>? indices = null)
    {
        var counts = new PairCounts(models);
        var index = models.Select((m, i) => (m, i)).ToDictionary(p => p.m, p => p.i, StringComparer.Ordinal);
        foreach (int k in indices ?? Enumerable.Range(0, judgements.Count))
        {
            var j = judgements[k];
            int a = index[j.A], b = index[j.B];
            counts.Games[a, b]++;
            counts.Games[b, a]++;
            counts.Score[a, b] += j.ScoreOfA;
            counts.Score[b, a] += 1 - j.ScoreOfA;
        }
        return counts;
    }

    /// <summary>A copy with <paramref name="ties"/> extra tied games for every pair that met in <paramref name="met"/>.</summary>
    public PairCounts WithVirtualTies(PairCounts met, double ties)
    {
        var copy = new PairCounts(Models);
        for (int i = 0; i < Models.Count; i++)
            for (int j = 0; j < Models.Count; j++)
            {
                double extra = i != j && met.Games[i, j] > 0 ? ties : 0;
                copy.Games[i, j] = Games[i, j] + extra;
                copy.Score[i, j] = Score[i, j] + extra / 2;
            }
        return copy;
    }

    /// <summary>Whether every model can reach every other through pairs that met (else strengths share no scale).</summary>
    public bool Connected() => Reaches((i, j) => Games[i, j] > 0);

    /// <summary>
    /// Ford's condition: the maximum-likelihood strengths exist (finite) when, however the models are split in two,
    /// someone on each side scored against someone on the other; i.e. the graph "i scored against j" is strongly
    /// connected. A model that never won nor tied would otherwise be pushed to strength 0.
    /// </summary>
    public bool MaximumLikelihoodExists() => Reaches((i, j) => Score[i, j] > 0) && Reaches((i, j) => Score[j, i] > 0);

    /// <summary>Whether model 0 reaches every model along the given edges.</summary>
    private bool Reaches(Func<int, int, bool> edge)
    {
        var seen = new bool[Models.Count];
        var stack = new Stack<int>([0]);
        seen[0] = true;
        while (stack.TryPop(out int i))
            for (int j = 0; j < Models.Count; j++)
                if (!seen[j] && edge(i, j)) { seen[j] = true; stack.Push(j); }
        return seen.All(s => s);
    }
}
